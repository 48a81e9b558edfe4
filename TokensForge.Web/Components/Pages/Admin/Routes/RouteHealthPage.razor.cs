using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

/// <summary>
/// Each route's health: the circuit as every instance sees it (the shared table), the last hour of every instance from the
/// receipts and attempts the metrics count, and this instance's rolling figures; probe and reset from here.
/// </summary>
public partial class RouteHealthPage
{
    [Inject] private RouteAdminQueries Queries { get; set; } = null!;
    [Inject] private RouteAdministration Administration { get; set; } = null!;
    [Inject] private RouteHealthMonitor HealthMonitor { get; set; } = null!;
    [Inject] private RouteHealthQueries ClusterHealth { get; set; } = null!;
    [Inject] private RouteProbe Probe { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private sealed record Row(RouteSummary Route, RouteHealthSnapshot Health, RouteClusterHealth? Cluster, string Status);

    private IReadOnlyList<Row>? _rows;
    private ProbeResult? _probe;
    private string? _error;
    private bool _busy;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var routes = await Queries.ListRoutesAsync();
        var cluster = await ClusterHealth.LastHourAsync();
        _rows = routes.Select(r =>
        {
            var health = HealthMonitor.Snapshot(r.Id);
            return new Row(r, health, cluster.GetValueOrDefault(r.Id), StatusOf(health));
        }).ToList();
    }

    /// <summary>One word for the admin: down (open), recovering (half-open), no traffic, healthy (≥ 90% success) or degraded.</summary>
    private static string StatusOf(RouteHealthSnapshot health) => health switch
    {
        { Circuit: CircuitState.Open } => "down",
        { Circuit: CircuitState.HalfOpen } => "recovering",
        { RetryAt: not null } => "rate limited",
        { SuccessRate: null } => "no traffic",
        { SuccessRate: >= 0.9 } => "healthy",
        _ => "degraded",
    };

    private static Color StatusColor(string status) => status switch
    {
        "healthy" => Color.Success,
        "no traffic" => Color.Default,
        "degraded" or "recovering" or "rate limited" => Color.Warning,
        _ => Color.Error,
    };

    private static string Ms(TimeSpan? value) => value is { } v ? $"{(int)v.TotalMilliseconds} ms" : "—";

    private static string? Short(string? text) => text is { Length: > 200 } ? text[..200] + "…" : text;

    private async Task ProbeAsync(RouteSummary route)
    {
        _busy = true;
        _error = null;
        try
        {
            _probe = await Probe.ProbeAsync(route.Id);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task ResetAsync(RouteSummary route)
    {
        _busy = true;
        try
        {
            var result = await Administration.ResetCircuitAsync(route.Id, await AdminActorSource.ActorAsync(AuthState, Client));
            if (!result.Succeeded) _error = result.Error!.Message;
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }
}
