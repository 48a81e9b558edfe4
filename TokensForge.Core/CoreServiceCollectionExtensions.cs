using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TokensForge.Core.Alerts;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Audit;
using TokensForge.Core.Budgets;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Dashboard;
using TokensForge.Core.Exports;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Ledger;
using TokensForge.Core.Playground;
using TokensForge.Core.PriceGroups;
using TokensForge.Core.Receipts;
using TokensForge.Core.Research;
using TokensForge.Core.Retention;
using TokensForge.Core.Routing;
using TokensForge.Core.TopUps;
using TokensForge.Core.Upstreams;
using TokensForge.Core.Users;
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
        services.AddBudgets();
        services.AddPriceGroups();
        services.AddAlerts();
        services.AddUpstreamRoutes();
        services.AddUpstreams();
        services.AddGateway();
        services.AddResponses();
        services.AddReceipts();
        services.AddPlayground();
        services.AddResearch();
        services.AddRetention();
        services.AddUserAdministration();
        services.AddSingleton<AdminDashboardQueries>();
        return services;
    }
}
