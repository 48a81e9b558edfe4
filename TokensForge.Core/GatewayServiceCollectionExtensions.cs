using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Refit;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core;

/// <summary>Registrations of the gateway's features: keys, routes, upstreams, the pipeline and receipts.</summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ApiKeyRateLimiter>();
        return services;
    }

    /// <summary>Routes, prices and the catalogue; upstream keys are encrypted with a Data Protection key ring kept in the database.</summary>
    public static IServiceCollection AddUpstreamRoutes(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDataProtection().SetApplicationName("TokensForge");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDbContextFactory<AppDbContext>>((o, contexts) => o.XmlRepository = new DatabaseXmlRepository(contexts));
        services.AddSingleton<UpstreamKeyProtector>();
        services.AddSingleton<RouteCatalog>();
        services.AddSingleton<SimulatorRoutes>();
        services.AddSingleton<RouteAdministration>();
        services.AddSingleton<RouteAdminQueries>();
        return services;
    }

    /// <summary>The Refit client for OpenAI-compatible upstreams: source-generated, no timeout of its own (phases time out per route), no retries.</summary>
    public static IServiceCollection AddUpstreams(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ISelfAddress, ConfiguredSelfAddress>();
        services.AddTransient<UpstreamAddressHandler>();
        services.AddRefitGeneratedClient<IOpenAiUpstream>(OpenAiJsonContext.Default)
            .ConfigureHttpClient(client =>
            {
                client.BaseAddress = new Uri("http://upstream.invalid");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(UpstreamConnector.CreateHandler)
            .AddHttpMessageHandler<UpstreamAddressHandler>();
        return services;
    }

    public static IServiceCollection AddGateway(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<ModelAccess>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<HoldPlanner>();
        services.AddSingleton<RouteFailover>();
        services.AddSingleton<RouteProbe>();
        services.AddSingleton<UpstreamCall>();
        services.AddSingleton<ChatUpstream>();
        services.AddSingleton<EmbeddingUpstream>();
        services.AddSingleton<ReceiptWriter>();
        services.AddSingleton<GatewayPipeline>();
        return services;
    }

    public static IServiceCollection AddReceipts(this IServiceCollection services)
    {
        services.AddSingleton<ReceiptQueries>();
        return services;
    }
}
