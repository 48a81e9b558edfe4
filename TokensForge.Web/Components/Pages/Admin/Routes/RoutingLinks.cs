using MudBlazor;
using TokensForge.Core.Common;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

/// <summary>Addresses and small formatting shared by the route, model, price and health pages.</summary>
public static class RoutingLinks
{
    public const string Routes = "/admin/routes";
    public const string NewRoute = "/admin/routes/new";
    public const string Models = "/admin/models";
    public const string Prices = "/admin/prices";
    public const string Health = "/admin/routes/health";
    public const string PriceGroups = "/admin/price-groups";

    public static string Route(Guid id) => $"/admin/routes/{id}";


    /// <summary>A price in µ per 1M tokens, with its currency value.</summary>
    public static string PerMillion(long micros) => $"{Money.Format(micros)} ({micros:N0} µ)";

    public static Color CircuitColor(CircuitState state) => state switch
    {
        CircuitState.Closed => Color.Success,
        CircuitState.HalfOpen => Color.Warning,
        _ => Color.Error,
    };

    public static string CircuitText(CircuitState state) => state switch
    {
        CircuitState.HalfOpen => "half-open",
        _ => state.ToString().ToLowerInvariant(),
    };
}
