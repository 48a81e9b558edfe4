using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers every Core feature. The database comes from <see cref="Data.DataServiceCollectionExtensions.AddTokensForgeData"/>.</summary>
    public static IServiceCollection AddTokensForgeCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddLedger();
        services.AddWallets();
        services.AddApiKeys();
        services.AddUpstreamRoutes();
        services.AddUpstreams();
        services.AddGateway();
        services.AddReceipts();
        return services;
    }

    public static IServiceCollection AddLedger(this IServiceCollection services)
    {
        services.AddOptions<LedgerOptions>().BindConfiguration("Ledger").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LedgerWriter>();
        services.AddSingleton<LedgerService>();
        services.AddSingleton<GrantIssuer>();
        services.AddSingleton<HoldService>();
        services.AddSingleton<HoldSweeper>();
        services.AddSingleton<GrantExpirer>();
        services.AddSingleton<LedgerVerifier>();
        return services;
    }

    public static IServiceCollection AddWallets(this IServiceCollection services)
    {
        services.AddSingleton<WalletQueries>();
        services.AddSingleton<AdjustmentService>();
        return services;
    }
}
