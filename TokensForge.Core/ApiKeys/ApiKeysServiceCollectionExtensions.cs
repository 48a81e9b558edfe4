using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;

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
        services.AddSingleton<ApiKeySpendSweeper>();
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<ApiKeySpendSweeper>());
        return services;
    }
}
