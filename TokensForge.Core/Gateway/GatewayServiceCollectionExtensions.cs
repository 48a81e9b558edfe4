using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Gateway;

/// <summary>Registration of the gateway's request pipeline.</summary>
public static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddGateway(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton<ModelAccess>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<HoldPlanner>();
        services.AddSingleton<SpendHeadroomReader>();
        services.AddSingleton<BalanceCap>();
        services.AddSingleton<RouteFailover>();
        services.AddSingleton<RouteProbe>();
        services.AddSingleton<ReceiptWriter>();
        services.AddSingleton<GatewayPipeline>();
        return services;
    }
}
