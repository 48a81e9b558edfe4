using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Ledger;

public static class LedgerServiceCollectionExtensions
{
    /// <summary>Accounts, transfers, grants, holds and the background sweeps that expire holds and grants.</summary>
    public static IServiceCollection AddLedger(this IServiceCollection services)
    {
        services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LedgerWriter>();
        services.AddSingleton<LedgerService>();
        services.AddSingleton<GrantIssuer>();
        services.AddSingleton<HoldService>();
        services.AddSingleton<HoldSweeper>();
        services.AddSingleton<GrantExpirer>();
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<HoldSweeper>());
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<GrantExpirer>());
        services.AddSingleton<LedgerVerifier>();
        services.AddSingleton<SweepHeartbeat>();
        services.AddSingleton<LedgerMetrics>();
        return services;
    }
}
