using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.ApiKeys;

public static class ApiKeysServiceCollectionExtensions
{
    /// <summary>Issuing and checking API keys, with their per-key rate limits.</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiKeyRateLimiter>();
        return services;
    }
}
