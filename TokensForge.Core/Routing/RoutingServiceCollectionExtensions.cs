using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Data;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Core.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>Routes, prices and the catalogue; upstream keys are encrypted with the Data Protection key ring (<see cref="Data.KeyRingOptions"/>).</summary>
    public static IServiceCollection AddUpstreamRoutes(this IServiceCollection services)
    {
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<UpstreamKeyProtector>();
        services.AddSingleton<RouteCatalog>();
        services.AddSingleton<SimulatorRoutes>();
        services.AddSingleton<RouteAdministration>();
        services.AddSingleton<RouteAdminQueries>();
        return services;
    }

    /// <summary>Each route's rolling health and circuit breaker, shared with the other instances, and the refresh of what they changed.</summary>
    public static IServiceCollection AddRouteHealth(this IServiceCollection services)
    {
        services.AddOptions<CircuitBreakerOptions>().BindConfiguration(CircuitBreakerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SharedCircuits>();
        services.AddSingleton<RouteHealthQueries>();
        services.AddSingleton<RouteHealthMonitor>();
        services.AddSingleton<SharedStateRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<SharedStateRefresher>());
        return services;
    }
}
