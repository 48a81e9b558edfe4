using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Playground;

public static class PlaygroundServiceCollectionExtensions
{
    /// <summary>The playground's read side: hold previews and wallet capacity. Requests go through the gateway pipeline.</summary>
    public static IServiceCollection AddPlayground(this IServiceCollection services)
    {
        services.AddSingleton<HoldPreviewer>();
        services.AddSingleton<WalletCapacityQuery>();
        return services;
    }
}
