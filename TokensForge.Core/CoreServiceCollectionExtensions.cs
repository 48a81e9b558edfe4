using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.Research;
using TokensForge.Core.TopUps;
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
        services.AddAudit();
        services.AddCampaigns();
        services.AddRouteHealth();
        services.AddTopUps();
        services.AddExports();
        services.AddApiKeys();
        services.AddUpstreamRoutes();
        services.AddUpstreams();
        services.AddGateway();
        services.AddReceipts();
        services.AddPlayground();
        services.AddResearch();
        return services;
    }

    public static IServiceCollection AddRouteHealth(this IServiceCollection services)
    {
        services.AddOptions<Routing.Health.CircuitBreakerOptions>().BindConfiguration("Routing:CircuitBreaker").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Routing.Health.RouteHealthMonitor>();
        return services;
    }

    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<Audit.AuditVerifier>();
        services.AddSingleton<Audit.AuditQueries>();
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
        services.AddSingleton<TransferQueries>();
        services.AddSingleton<AdjustmentService>();
        return services;
    }
}
