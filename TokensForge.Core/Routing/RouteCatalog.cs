using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;

namespace TokensForge.Core.Routing;

/// <summary>
/// A route that can serve one model now, at its current price. <see cref="Timeout"/> is the first-byte (and
/// between-chunks) timeout; <see cref="ConnectTimeout"/> bounds opening a connection and <see cref="TotalTimeout"/>
/// the whole call (defaults when not given: 10 seconds and 10 minutes); <see cref="MaxAnswerBytes"/> the answer read whole
/// (default 16 MiB).
/// </summary>
public sealed record RouteCandidate(
    Guid RouteId,
    string RouteName,
    RouteKind Kind,
    string BaseUrl,
    string? ProtectedUpstreamKey,
    string UpstreamModelId,
    int Priority,
    int Weight,
    TimeSpan Timeout,
    bool IsSimulated,
    Prices Prices,
    TimeSpan? ConnectTimeout = null,
    TimeSpan? TotalTimeout = null,
    int? MaxAnswerBytes = null,
    OutputLimitField LimitField = OutputLimitField.MaxTokens,
    RouteProtocol Protocol = RouteProtocol.OpenAi,
    bool NativeResponses = false)
{
    public TimeSpan ConnectTimeoutOrDefault => ConnectTimeout ?? TimeSpan.FromSeconds(Route.DefaultConnectTimeoutSeconds);
    public TimeSpan TotalTimeoutOrDefault => TotalTimeout ?? TimeSpan.FromSeconds(Route.DefaultTotalTimeoutSeconds);
    public int MaxAnswerBytesOrDefault => MaxAnswerBytes ?? Route.DefaultMaxAnswerBytes;

    /// <summary>The candidate for one model of a route at the given prices.</summary>
    public static RouteCandidate For(Route route, RouteModel served, Prices prices) =>
        new(route.Id, route.Name, route.Kind, route.BaseUrl, route.ProtectedUpstreamKey, served.UpstreamModelId, route.Priority, route.Weight,
            TimeSpan.FromSeconds(route.TimeoutSeconds), route.IsSimulated, prices, TimeSpan.FromSeconds(route.ConnectTimeoutSeconds),
            TimeSpan.FromSeconds(route.TotalTimeoutSeconds), route.MaxAnswerBytes, route.LimitField, route.Protocol, route.NativeResponses);
}

/// <summary>A catalogue model with the enabled routes that serve it at a known price; <see cref="MaxOutputTokens"/> is <see cref="ModelInfo.MaxOutputTokens"/>.</summary>
public sealed record CatalogModel(string Id, string DisplayName, ModelKind Kind, int ContextWindow, string OwnedBy, DateTime CreatedAt,
    IReadOnlyList<RouteCandidate> Routes, int? MaxOutputTokens = null)
{
    public bool IsRoutable => Routes.Count > 0;
}

/// <summary>The route table at one moment; <see cref="ValidUntil"/> is when a scheduled price snapshot takes effect (null: none).</summary>
public sealed record CatalogSnapshot(IReadOnlyDictionary<string, CatalogModel> Models, DateTime? ValidUntil = null)
{
    public CatalogModel? Find(string id) => Models.GetValueOrDefault(id);

    /// <summary>Models with at least one enabled, priced route, by id.</summary>
    public IEnumerable<CatalogModel> Routable => Models.Values.Where(m => m.IsRoutable).OrderBy(m => m.Id, StringComparer.Ordinal);
}

/// <summary>
/// The models, enabled routes and current price snapshots, read once per <see cref="RoutingOptions.CacheTtl"/>
/// so requests do not query the route tables. A price is current when its snapshot is the latest with
/// <c>EffectiveFrom ≤ now</c> for its route and model; the table is read again as soon as a scheduled snapshot
/// takes effect, so a request is always priced at the snapshot in force when it starts.
/// </summary>
public sealed class RouteCatalog(IDbContextFactory<AppDbContext> contexts, TimeProvider time, IOptions<RoutingOptions> options)
{
    private volatile Tuple<CatalogSnapshot, long>? _current;
    private readonly SemaphoreSlim _loading = new(1, 1);

    public async ValueTask<CatalogSnapshot> GetAsync(CancellationToken ct = default)
    {
        var current = _current;
        if (Fresh(current)) return current!.Item1;
        await _loading.WaitAsync(ct);
        try
        {
            current = _current;
            if (Fresh(current)) return current!.Item1;
            var loaded = await LoadAsync(ct);
            _current = Tuple.Create(loaded, time.GetTimestamp());
            return loaded;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Forgets the cached table (after a route or price change made by this instance).</summary>
    public void Invalidate() => _current = null;

    private bool Fresh(Tuple<CatalogSnapshot, long>? current) =>
        current is not null && time.GetElapsedTime(current.Item2) < options.Value.CacheTtl
        && (current.Item1.ValidUntil is not { } until || time.GetUtcNow().UtcDateTime < until);

    private async Task<CatalogSnapshot> LoadAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().ToListAsync(ct);
        var routes = await db.Routes.AsNoTracking().Include(r => r.Models).Where(r => r.Enabled).ToListAsync(ct);
        var nextChange = await db.PriceSnapshots.AsNoTracking().Where(p => p.EffectiveFrom > now)
            .OrderBy(p => p.EffectiveFrom).Select(p => (DateTime?)p.EffectiveFrom).FirstOrDefaultAsync(ct);
        var prices = (await db.PriceSnapshots.AsNoTracking().Where(p => p.EffectiveFrom <= now).ToListAsync(ct))
            .GroupBy(p => (p.RouteId, p.ModelId))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.EffectiveFrom).ThenByDescending(p => p.CreatedAt).First());

        var byModel = new Dictionary<string, CatalogModel>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            var candidates = routes
                .SelectMany(r => r.Models.Where(m => m.ModelId == model.Id).Select(m => (Route: r, Served: m)))
                .Where(x => prices.ContainsKey((x.Route.Id, model.Id)))
                .Select(x =>
                {
                    var p = prices[(x.Route.Id, model.Id)];
                    return RouteCandidate.For(x.Route, x.Served, p.ToPrices());
                })
                .ToList();
            byModel[model.Id] = new CatalogModel(model.Id, model.DisplayName, model.Kind, model.ContextWindow, model.OwnedBy, model.CreatedAt, candidates,
                model.MaxOutputTokens);
        }
        return new CatalogSnapshot(byModel, nextChange);
    }
}
