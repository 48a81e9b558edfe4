using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Routing;

/// <summary>A route as the admin pages show it. There is no upstream key here: only whether one is stored.</summary>
public sealed record RouteSummary(
    Guid Id,
    string Name,
    RouteKind Kind,
    string BaseUrl,
    bool IsSimulated,
    int Priority,
    int Weight,
    int ConnectTimeoutSeconds,
    int FirstByteTimeoutSeconds,
    int TotalTimeoutSeconds,
    int MaxAnswerBytes,
    bool Enabled,
    bool HasUpstreamKey,
    IReadOnlyList<ModelMapping> Models,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    OutputLimitField LimitField = OutputLimitField.MaxTokens,
    RouteProtocol Protocol = RouteProtocol.OpenAi,
    bool NativeResponses = false);

/// <summary>One route serving a catalogue model: its upstream id, whether it is enabled, and its current price (null: unpriced).</summary>
public sealed record ServingRoute(Guid RouteId, string RouteName, RouteKind Kind, bool Enabled, bool IsSimulated, string UpstreamModelId, PriceView? Price);

/// <summary>
/// A catalogue model and the routes that serve it. It is available when at least one enabled route serves it at a
/// current price; otherwise <see cref="UnavailableReason"/> says why it is missing from <c>/v1/models</c>.
/// </summary>
public sealed record CatalogueModelView(string Id, string DisplayName, ModelKind Kind, int ContextWindow, string OwnedBy, IReadOnlyList<ServingRoute> Routes,
    int? MaxOutputTokens = null)
{
    public bool Available => Routes.Any(r => r.Enabled && r.Price is not null);

    public string? UnavailableReason =>
        Available ? null
        : Routes.Count == 0 ? "No route serves it."
        : Routes.All(r => !r.Enabled) ? "Every route serving it is disabled."
        : "No enabled route has a current price for it.";
}

/// <summary>One price snapshot, and where it stands now.</summary>
public sealed record PriceView(Guid Id, Guid RouteId, string RouteName, string ModelId, long InputPrice, long OutputPrice, long CachedInputPrice,
    DateTime EffectiveFrom, string CreatedBy, DateTime CreatedAt, PriceStatus Status, long? CacheWrite5mPrice = null, long? CacheWrite1hPrice = null);

/// <summary>Whether a snapshot is the price in force, a price of the past, or scheduled.</summary>
public enum PriceStatus
{
    Current,
    Superseded,
    Scheduled,
}

/// <summary>A route and model pair with its current and next prices, for the prices page.</summary>
public sealed record PricedModel(Guid RouteId, string RouteName, RouteKind Kind, bool Enabled, bool IsSimulated, string ModelId, PriceView? Current, PriceView? Next);

/// <summary>The read side of the route admin pages, straight from the database (not the request-path cache).</summary>
public sealed class RouteAdminQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public async Task<IReadOnlyList<RouteSummary>> ListRoutesAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var routes = await db.Routes.AsNoTracking().Include(r => r.Models).ToListAsync(ct);
        return routes.OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal).Select(ToView).ToList();
    }

    public async Task<RouteSummary?> GetRouteAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var route = await db.Routes.AsNoTracking().Include(r => r.Models).FirstOrDefaultAsync(r => r.Id == id, ct);
        return route is null ? null : ToView(route);
    }

    public async Task<IReadOnlyList<ModelInfo>> ListModelsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await db.Models.AsNoTracking().ToListAsync(ct)).OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Every catalogue model with the routes serving it, available or not.</summary>
    public async Task<IReadOnlyList<CatalogueModelView>> CatalogueAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().ToListAsync(ct);
        var routes = await db.Routes.AsNoTracking().Include(r => r.Models).ToListAsync(ct);
        var prices = await PricesAsync(db, routes, ct);
        return models.OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => new CatalogueModelView(m.Id, m.DisplayName, m.Kind, m.ContextWindow, m.OwnedBy,
            routes.SelectMany(r => r.Models.Where(x => x.ModelId == m.Id).Select(x => new ServingRoute(r.Id, r.Name, r.Kind, r.Enabled, r.IsSimulated,
                    x.UpstreamModelId, prices.FirstOrDefault(p => p.RouteId == r.Id && p.ModelId == m.Id && p.Status == PriceStatus.Current))))
                .OrderBy(r => r.RouteName, StringComparer.Ordinal).ToList(), m.MaxOutputTokens)).ToList();
    }

    /// <summary>Every model each route serves, with its current price and the next scheduled one.</summary>
    public async Task<IReadOnlyList<PricedModel>> PricedModelsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var routes = await db.Routes.AsNoTracking().Include(r => r.Models).ToListAsync(ct);
        var prices = await PricesAsync(db, routes, ct);
        return routes.OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal)
            .SelectMany(r => r.Models.OrderBy(m => m.ModelId, StringComparer.Ordinal).Select(m => new PricedModel(r.Id, r.Name, r.Kind, r.Enabled, r.IsSimulated, m.ModelId,
                prices.FirstOrDefault(p => p.RouteId == r.Id && p.ModelId == m.ModelId && p.Status == PriceStatus.Current),
                prices.Where(p => p.RouteId == r.Id && p.ModelId == m.ModelId && p.Status == PriceStatus.Scheduled).OrderBy(p => p.EffectiveFrom).FirstOrDefault())))
            .ToList();
    }

    /// <summary>Every price snapshot ever made, newest first, optionally for one route and/or model.</summary>
    public async Task<IReadOnlyList<PriceView>> PriceHistoryAsync(Guid? routeId = null, string? modelId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var routes = await db.Routes.AsNoTracking().Include(r => r.Models).ToListAsync(ct);
        var prices = await PricesAsync(db, routes, ct);
        return prices.Where(p => (routeId == null || p.RouteId == routeId) && (modelId == null || p.ModelId == modelId))
            .OrderByDescending(p => p.EffectiveFrom).ThenByDescending(p => p.CreatedAt).ToList();
    }

    private async Task<List<PriceView>> PricesAsync(AppDbContext db, List<Route> routes, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var names = routes.ToDictionary(r => r.Id, r => r.Name);
        var snapshots = await db.PriceSnapshots.AsNoTracking().ToListAsync(ct);
        var current = snapshots.Where(p => p.EffectiveFrom <= now).GroupBy(p => (p.RouteId, p.ModelId))
            .Select(g => g.OrderByDescending(p => p.EffectiveFrom).ThenByDescending(p => p.CreatedAt).First().Id).ToHashSet();
        return snapshots.Select(p => new PriceView(p.Id, p.RouteId, names.GetValueOrDefault(p.RouteId, "?"), p.ModelId, p.InputPrice, p.OutputPrice,
            p.CachedInputPrice, p.EffectiveFrom, p.CreatedBy, p.CreatedAt,
            current.Contains(p.Id) ? PriceStatus.Current : p.EffectiveFrom > now ? PriceStatus.Scheduled : PriceStatus.Superseded,
            p.CacheWrite5mPrice, p.CacheWrite1hPrice)).ToList();
    }

    private static RouteSummary ToView(Route r) => new(r.Id, r.Name, r.Kind, r.BaseUrl, r.IsSimulated, r.Priority, r.Weight, r.ConnectTimeoutSeconds,
        r.TimeoutSeconds, r.TotalTimeoutSeconds, r.MaxAnswerBytes, r.Enabled, r.ProtectedUpstreamKey is not null,
        r.Models.OrderBy(m => m.ModelId, StringComparer.Ordinal).Select(m => new ModelMapping(m.ModelId, m.UpstreamModelId)).ToList(), r.CreatedAt, r.UpdatedAt,
        r.LimitField, r.Protocol, r.NativeResponses);
}
