using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Receipts;

public static class ReceiptsServiceCollectionExtensions
{
    /// <summary>Reading receipts, usage and failed requests.</summary>
    public static IServiceCollection AddReceipts(this IServiceCollection services)
    {
        services.AddSingleton<ReceiptQueries>();
        services.AddSingleton<ActivityQueries>();
        return services;
    }
}
