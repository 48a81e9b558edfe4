using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Routing;

/// <summary>
/// Seeds the demo catalogue on the built-in simulator: three models, and one routed and one official route
/// with different prices. Idempotent: only what is missing is added, and existing prices are never changed.
/// </summary>
public sealed class SimulatorRoutes(IDbContextFactory<AppDbContext> contexts, UpstreamKeyProtector protector, IOptions<SimulatorOptions> options,
    RouteCatalog catalog, TimeProvider time)
{
    public const string RoutedName = "sim-routed";
    public const string OfficialName = "sim-official";
    public const string BaseUrl = "/sim/v1";

    /// <summary>
    /// Public model → (display name, kind, context window, maximum output as OpenAI states it for the real model, upstream id,
    /// routed prices, official prices) in µ per 1M tokens.
    /// </summary>
    public static readonly IReadOnlyList<(string Id, string Name, ModelKind Kind, int Context, int? MaxOutput, string Upstream, (long In, long Out, long Cached) Routed, (long In, long Out, long Cached) Official)> Catalogue =
    [
        ("gpt-4o-mini", "GPT-4o mini (simulated)", ModelKind.Chat, 128_000, 16_384, "sim-mini", (756_000, 3_024_000, 378_000), (1_080_000, 4_320_000, 540_000)),
        ("gpt-4o", "GPT-4o (simulated)", ModelKind.Chat, 128_000, 16_384, "sim-large", (12_600_000, 50_400_000, 6_300_000), (18_000_000, 72_000_000, 9_000_000)),
        ("text-embedding-3-small", "Embedding 3 small (simulated)", ModelKind.Embedding, 8_191, null, "sim-embed", (100_800, 0, 0), (144_000, 0, 0)),
    ];

    /// <summary>Who the seeded models are owned by, as <c>/v1/models</c> shows them.</summary>
    public const string Owner = "tokensforge-simulator";

    public async Task EnsureAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var known = await db.Models.ToListAsync(ct);
        foreach (var m in Catalogue.Where(m => known.All(k => k.Id != m.Id)))
            db.Models.Add(new ModelInfo(m.Id, m.Name, m.Kind, m.Context, Owner, now, m.MaxOutput));
        // Seeded before models had a maximum output: theirs is missing, like a model would be.
        foreach (var model in known.Where(k => k is { MaxOutputTokens: null, OwnedBy: Owner }))
            if (Catalogue.FirstOrDefault(m => m.Id == model.Id) is { MaxOutput: { } max })
                model.Describe(model.DisplayName, model.ContextWindow, model.OwnedBy, max);
        await db.SaveChangesAsync(ct);

        foreach (var (name, kind) in new[] { (RoutedName, RouteKind.Routed), (OfficialName, RouteKind.Official) })
        {
            var route = await db.Routes.Include(r => r.Models).FirstOrDefaultAsync(r => r.Name == name, ct);
            if (route is null)
            {
                route = new Route(Guid.CreateVersion7(), name, kind, BaseUrl, protector.Protect(options.Value.ApiKey), priority: 100, weight: 1,
                    timeoutSeconds: options.Value.TimeoutSeconds, isSimulated: true, now);
                db.Routes.Add(route);
            }
            foreach (var m in Catalogue.Where(m => route.Models.All(x => x.ModelId != m.Id))) route.Serve(m.Id, m.Upstream);
            await db.SaveChangesAsync(ct);

            var priced = await db.PriceSnapshots.Where(p => p.RouteId == route.Id).Select(p => p.ModelId).Distinct().ToListAsync(ct);
            foreach (var m in Catalogue.Where(m => !priced.Contains(m.Id)))
            {
                var (input, output, cached) = kind == RouteKind.Routed ? m.Routed : m.Official;
                db.PriceSnapshots.Add(new PriceSnapshot(Guid.CreateVersion7(), route.Id, m.Id, input, output, cached, now, "seed", now));
            }
            await db.SaveChangesAsync(ct);
        }
        await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
        catalog.Invalidate();
    }
}
