using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Core.Routing;

/// <summary>
/// Once per <see cref="RoutingOptions.SharedStatePollInterval"/>, reads what other instances may have changed: the shared
/// circuits, and the routes' <see cref="ChangeStamp"/> (a moved stamp drops the route catalogue). Two small reads a
/// second per instance instead of one per request.
/// </summary>
public sealed partial class SharedStateRefresher(IDbContextFactory<AppDbContext> contexts, SharedCircuits circuits, RouteHealthMonitor health,
    RouteCatalog catalog, TimeProvider time, IOptions<RoutingOptions> options, ILogger<SharedStateRefresher> log) : BackgroundService
{
    private long? _routesStamp;

    /// <summary>One refresh (the loop's body).</summary>
    public async Task RefreshOnceAsync(CancellationToken ct = default)
    {
        foreach (var routeId in await circuits.RefreshAsync(ct)) health.ClosedElsewhere(routeId);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var stamp = await ChangeStamp.ReadAsync(db, ChangeArea.Routes, ct);
        if (_routesStamp is { } seen && seen != stamp) catalog.Invalidate();
        _routesStamp = stamp;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SharedStatePollInterval, time);
        do
        {
            try
            {
                await RefreshOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(log, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the shared circuits and change stamps failed; the last copy is used until the next tick")]
    private static partial void LogRefreshFailed(ILogger log, Exception ex);
}
