using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Research;

public static class ResearchServiceCollectionExtensions
{
    /// <summary>The free research assistant and its daily allowance.</summary>
    public static IServiceCollection AddResearch(this IServiceCollection services)
    {
        services.AddOptions<ResearchOptions>().BindConfiguration(ResearchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ResearchAllowance>();
        services.AddSingleton<ResearchAssistant>();
        return services;
    }
}
