using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Core.Routing;

/// <summary>One public model id served by a route, and the id its upstream knows it by.</summary>
public sealed record ModelMapping(string ModelId, string UpstreamModelId);

/// <summary>
/// A route as an admin edits it. <see cref="NewUpstreamKey"/> is write-only: null or empty keeps the stored key,
/// <see cref="RemoveUpstreamKey"/> drops it. Timeouts are in seconds; <see cref="MaxAnswerBytes"/> bounds an answer read whole;
/// <see cref="LimitField"/> is the field the upstream reads a chat request's output limit from.
/// <see cref="Protocol"/> is what the upstream speaks; <see cref="NativeResponses"/> (OpenAI routes only) passes <c>/v1/responses</c> through.
/// </summary>
public sealed record RouteDraft(
    string Name,
    RouteKind Kind,
    string BaseUrl,
    int Priority,
    int Weight,
    int ConnectTimeoutSeconds,
    int FirstByteTimeoutSeconds,
    int TotalTimeoutSeconds,
    bool Enabled,
    IReadOnlyList<ModelMapping> Models,
    string? NewUpstreamKey = null,
    bool RemoveUpstreamKey = false,
    int MaxAnswerBytes = Route.DefaultMaxAnswerBytes,
    OutputLimitField LimitField = OutputLimitField.MaxTokens,
    RouteProtocol Protocol = RouteProtocol.OpenAi,
    bool NativeResponses = false);

/// <summary>A catalogue model as an admin edits it; <see cref="MaxOutputTokens"/> null means not known (the gateway's default output limit applies).</summary>
public sealed record ModelDraft(string Id, string DisplayName, ModelKind Kind, int ContextWindow, string? OwnedBy = null, int? MaxOutputTokens = null);

/// <summary>New prices for one model on one route, in µ per 1M tokens; <see cref="EffectiveFrom"/> null means now.</summary>
/// <remarks>A cache-write price left null is charged at the input price.</remarks>
public sealed record PriceDraft(Guid RouteId, string ModelId, long InputPrice, long OutputPrice, long CachedInputPrice, DateTime? EffectiveFrom = null,
    long? CacheWrite5mPrice = null, long? CacheWrite1hPrice = null);

/// <summary>Who made an admin change, for the audit trail.</summary>
public sealed record AdminActor(string Name, string? Ip = null);

/// <summary>
/// The admin's use cases on routes, models and prices (DESIGN §6, §9). Each change and its audit event commit in
/// one transaction; the route table of this instance is re-read right after (other instances within
/// <see cref="RoutingOptions.CacheTtl"/>). Upstream keys are encrypted before they are stored and never leave
/// this class again: audit events only say whether a key is set or was replaced.
/// </summary>
public sealed partial class RouteAdministration(
    IDbContextFactory<AppDbContext> contexts,
    UpstreamKeyProtector keys,
    AuditLog audit,
    RouteCatalog catalog,
    RouteHealthMonitor health,
    IOptions<GatewayOptions> gateway,
    TimeProvider time)
{
    public const long MaxPrice = 1_000_000_000_000;

    public async Task<Result<Guid>> CreateRouteAsync(RouteDraft draft, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await ValidateAsync(db, draft, null, ct) is { } invalid) return invalid;
        var now = time.GetUtcNow().UtcDateTime;
        var name = draft.Name.Trim();
        var route = new Route(Guid.CreateVersion7(), name, draft.Kind, NormalizeUrl(draft.BaseUrl),
            string.IsNullOrEmpty(draft.NewUpstreamKey) ? null : keys.Protect(draft.NewUpstreamKey.Trim()),
            draft.Priority, draft.Weight, draft.FirstByteTimeoutSeconds, IsSelf(draft.BaseUrl), now, draft.ConnectTimeoutSeconds, draft.TotalTimeoutSeconds,
            draft.MaxAnswerBytes);
        route.ServeOnly(Map(draft.Models), now);
        route.SendLimitAs(draft.LimitField, now);
        route.Speak(draft.Protocol, draft.NativeResponses, now);
        if (!draft.Enabled) route.SetEnabled(false, now);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            db.Routes.Add(route);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "route.create", Target(route), After: AuditView(route) with { UpstreamKeyReplaced = route.ProtectedUpstreamKey is not null }, Ip: actor.Ip), ct);
            await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (DbRaces.IsRace(ex))
        {
            await tx.RollbackAsync(ct);
            return RoutingErrors.NameTaken(name);
        }
        catalog.Invalidate();
        return route.Id;
    }

    /// <summary>
    /// Saves an edited route. Writes <c>route.update</c> when settings, models or the key changed, and <c>route.disable</c>
    /// or <c>route.enable</c> when the enabled flag did (both in the same transaction).
    /// </summary>
    public async Task<Result<Guid>> UpdateRouteAsync(Guid routeId, RouteDraft draft, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var route = await db.Routes.Include(r => r.Models).FirstOrDefaultAsync(r => r.Id == routeId, ct);
        if (route is null) return RoutingErrors.RouteNotFound;
        if (await ValidateAsync(db, draft, routeId, ct) is { } invalid) return invalid;

        var now = time.GetUtcNow().UtcDateTime;
        var before = AuditView(route);
        route.Reconfigure(draft.Name.Trim(), draft.Kind, NormalizeUrl(draft.BaseUrl), draft.Priority, draft.Weight, draft.ConnectTimeoutSeconds,
            draft.FirstByteTimeoutSeconds, draft.TotalTimeoutSeconds, draft.MaxAnswerBytes, IsSelf(draft.BaseUrl), now);
        route.Speak(draft.Protocol, draft.NativeResponses, now);
        route.ServeOnly(Map(draft.Models), now);
        route.SendLimitAs(draft.LimitField, now);
        var keyReplaced = false;
        if (!string.IsNullOrEmpty(draft.NewUpstreamKey))
        {
            route.ReplaceUpstreamKey(keys.Protect(draft.NewUpstreamKey.Trim()), now);
            keyReplaced = true;
        }
        else if (draft.RemoveUpstreamKey && route.ProtectedUpstreamKey is not null)
        {
            route.ReplaceUpstreamKey(null, now);
            keyReplaced = true;
        }
        var wasEnabled = route.Enabled;
        route.SetEnabled(draft.Enabled, now);
        var after = AuditView(route);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await db.SaveChangesAsync(ct);
            if (keyReplaced || before with { Enabled = after.Enabled } != after)
                await audit.AppendAsync(db, new AuditEntry(actor.Name, "route.update", Target(route), before, after with { UpstreamKeyReplaced = keyReplaced }, actor.Ip), ct);
            if (wasEnabled != draft.Enabled)
                await audit.AppendAsync(db, new AuditEntry(actor.Name, draft.Enabled ? "route.enable" : "route.disable", Target(route),
                    new { Enabled = wasEnabled }, new { Enabled = draft.Enabled }, actor.Ip), ct);
            await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (DbRaces.IsRace(ex))
        {
            await tx.RollbackAsync(ct);
            return RoutingErrors.NameTaken(draft.Name.Trim());
        }
        catalog.Invalidate();
        return route.Id;
    }

    /// <summary>Switches a route on or off (<c>route.enable</c> / <c>route.disable</c>); requests move to the other routes at once on this instance.</summary>
    public async Task<Result<bool>> SetEnabledAsync(Guid routeId, bool enabled, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var route = await db.Routes.FirstOrDefaultAsync(r => r.Id == routeId, ct);
        if (route is null) return RoutingErrors.RouteNotFound;
        if (route.Enabled == enabled) return false;
        route.SetEnabled(enabled, time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, enabled ? "route.enable" : "route.disable", Target(route),
            new { Enabled = !enabled }, new { Enabled = enabled }, actor.Ip), ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
        await tx.CommitAsync(ct);
        catalog.Invalidate();
        return true;
    }

    /// <summary>
    /// Prices a model on a route from now (or a future time) on: a new <see cref="PriceSnapshot"/>, audited as
    /// <c>price.change</c>. Earlier snapshots stay, and receipts keep pointing at the one they were charged with.
    /// </summary>
    public async Task<Result<PriceSnapshot>> SetPricesAsync(PriceDraft draft, AdminActor actor, CancellationToken ct = default)
    {
        if (!ValidPrice(draft.InputPrice) || !ValidPrice(draft.OutputPrice) || !ValidPrice(draft.CachedInputPrice)
            || draft.CacheWrite5mPrice is { } write5m && !ValidPrice(write5m) || draft.CacheWrite1hPrice is { } write1h && !ValidPrice(write1h))
            return RoutingErrors.InvalidPrice;
        var now = time.GetUtcNow().UtcDateTime;
        var effective = draft.EffectiveFrom is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : now;
        // A minute of grace for a time picked in the form a moment ago.
        if (effective < now.AddMinutes(-1)) return RoutingErrors.EffectiveInPast;
        if (effective < now) effective = now;

        await using var db = await contexts.CreateDbContextAsync(ct);
        var route = await db.Routes.AsNoTracking().Include(r => r.Models).FirstOrDefaultAsync(r => r.Id == draft.RouteId, ct);
        if (route is null) return RoutingErrors.RouteNotFound;
        if (route.Models.All(m => m.ModelId != draft.ModelId)) return RoutingErrors.ModelNotServed;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var previous = await db.PriceSnapshots.AsNoTracking().Where(p => p.RouteId == route.Id && p.ModelId == draft.ModelId && p.EffectiveFrom <= now)
            .OrderByDescending(p => p.EffectiveFrom).ThenByDescending(p => p.CreatedAt).FirstOrDefaultAsync(ct);
        var snapshot = new PriceSnapshot(Guid.CreateVersion7(), route.Id, draft.ModelId, draft.InputPrice, draft.OutputPrice, draft.CachedInputPrice,
            effective, actor.Name, now, draft.CacheWrite5mPrice, draft.CacheWrite1hPrice);
        db.PriceSnapshots.Add(snapshot);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, "price.change", $"route:{route.Name}/model:{draft.ModelId}",
            previous is null ? null : PriceView(previous), PriceView(snapshot), actor.Ip), ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
        await tx.CommitAsync(ct);
        db.Entry(snapshot).State = EntityState.Detached;
        catalog.Invalidate();
        return snapshot;
    }

    /// <summary>Adds a model to the catalogue (<c>model.create</c>) or changes how it is shown (<c>model.update</c>).</summary>
    public async Task<Result<string>> SaveModelAsync(ModelDraft draft, bool create, AdminActor actor, CancellationToken ct = default)
    {
        var id = draft.Id.Trim();
        if (!ModelId().IsMatch(id)) return RoutingErrors.InvalidModelId;
        if (string.IsNullOrWhiteSpace(draft.DisplayName) || draft.DisplayName.Trim().Length > 200 || draft.ContextWindow is < 1 or > 10_000_000)
            return RoutingErrors.InvalidModel;
        var ownedBy = string.IsNullOrWhiteSpace(draft.OwnedBy) ? "tokensforge" : draft.OwnedBy.Trim();
        if (ownedBy.Length > 100) return RoutingErrors.InvalidModel;
        if (draft.MaxOutputTokens is { } maxOutput && (maxOutput < 1 || maxOutput > draft.ContextWindow)) return RoutingErrors.InvalidMaxOutput;

        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var model = await db.Models.FirstOrDefaultAsync(m => m.Id == id, ct);
        if (create)
        {
            if (model is not null) return RoutingErrors.ModelExists;
            model = new ModelInfo(id, draft.DisplayName.Trim(), draft.Kind, draft.ContextWindow, ownedBy, time.GetUtcNow().UtcDateTime, draft.MaxOutputTokens);
            db.Models.Add(model);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "model.create", $"model:{id}", After: ModelView(model), Ip: actor.Ip), ct);
        }
        else
        {
            if (model is null) return RoutingErrors.ModelNotFound;
            if (model.Kind != draft.Kind) return RoutingErrors.ModelKindFixed;
            var before = ModelView(model);
            model.Describe(draft.DisplayName.Trim(), draft.ContextWindow, ownedBy, draft.MaxOutputTokens);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "model.update", $"model:{id}", before, ModelView(model), actor.Ip), ct);
        }
        await ChangeStamp.BumpAsync(db, ChangeArea.Routes, ct);
        await tx.CommitAsync(ct);
        catalog.Invalidate();
        return id;
    }

    /// <summary>Closes a route's circuit on every instance and clears this instance's counters (<c>circuit.reset</c>).</summary>
    public async Task<Result<bool>> ResetCircuitAsync(Guid routeId, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var route = await db.Routes.AsNoTracking().FirstOrDefaultAsync(r => r.Id == routeId, ct);
        if (route is null) return RoutingErrors.RouteNotFound;
        var before = health.Snapshot(routeId);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, "circuit.reset", Target(route),
            new { Circuit = before.Circuit.ToString(), before.RetryAt }, new { Circuit = CircuitState.Closed.ToString() }, actor.Ip), ct);
        await tx.CommitAsync(ct);
        await health.ResetAsync(routeId, ct);
        return true;
    }

    private async Task<Common.Error?> ValidateAsync(AppDbContext db, RouteDraft draft, Guid? routeId, CancellationToken ct)
    {
        var name = draft.Name?.Trim() ?? "";
        if (name.Length is 0 or > 100) return RoutingErrors.NameRequired;
        if (!ValidUrl(draft.BaseUrl)) return RoutingErrors.InvalidBaseUrl;
        if (draft.Priority is < 0 or > 10_000) return RoutingErrors.InvalidPriority;
        if (draft.Weight is < 0 or > 1000) return RoutingErrors.InvalidWeight;
        if (draft.ConnectTimeoutSeconds is < 1 or > 120 || draft.FirstByteTimeoutSeconds is < 1 or > 600 || draft.TotalTimeoutSeconds is < 1 or > 3600
            || draft.TotalTimeoutSeconds < draft.FirstByteTimeoutSeconds)
            return RoutingErrors.InvalidTimeout;
        // The hold pays for the request: it must outlive the longest the route may take.
        if (draft.TotalTimeoutSeconds >= gateway.Value.HoldTimeout.TotalSeconds)
            return RoutingErrors.TimeoutOutlastsHold(draft.TotalTimeoutSeconds, gateway.Value.HoldTimeout);
        if (draft.MaxAnswerBytes is < Route.MinMaxAnswerBytes or > Route.MaxMaxAnswerBytes) return RoutingErrors.InvalidAnswerLimit;
        if (draft.NewUpstreamKey is { Length: > 2000 }) return RoutingErrors.UpstreamKeyTooLong;
        if (!Enum.IsDefined(draft.Protocol)) return RoutingErrors.InvalidProtocol;
        if (draft.Protocol != RouteProtocol.OpenAi && draft.NativeResponses) return RoutingErrors.NativeResponsesNeedOpenAi;
        if (draft.Models.Count == 0) return RoutingErrors.NoModels;
        var ids = draft.Models.Select(m => m.ModelId?.Trim() ?? "").ToList();
        if (ids.GroupBy(i => i).FirstOrDefault(g => g.Count() > 1) is { } twice) return RoutingErrors.DuplicateModel(twice.Key);
        if (draft.Models.Any(m => string.IsNullOrWhiteSpace(m.UpstreamModelId) || m.UpstreamModelId.Trim().Length > 200)) return RoutingErrors.InvalidUpstreamModel;
        var known = await db.Models.Where(m => ids.Contains(m.Id)).Select(m => m.Id).ToListAsync(ct);
        var unknown = ids.Except(known).ToList();
        if (unknown.Count > 0) return RoutingErrors.UnknownModels(unknown);
        // An Anthropic upstream has no embeddings: the route could never serve such a model.
        if (draft.Protocol == RouteProtocol.Anthropic
            && await db.Models.Where(m => ids.Contains(m.Id) && m.Kind == ModelKind.Embedding).Select(m => m.Id).FirstOrDefaultAsync(ct) is { } embedding)
            return RoutingErrors.AnthropicServesNoEmbeddings(embedding);
        if (await db.Routes.AnyAsync(r => r.Name == name && r.Id != routeId, ct)) return RoutingErrors.NameTaken(name);
        return null;
    }

    private static bool ValidUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Trim().Length > 500) return false;
        url = url.Trim();
        if (url.StartsWith('/')) return !url.StartsWith("//", StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Relative, out _);
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.UserInfo)
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment);
    }

    /// <summary>A relative base URL is this app itself: the built-in simulator.</summary>
    private static bool IsSelf(string url) => url.Trim().StartsWith('/');

    private static string NormalizeUrl(string url) => url.Trim().TrimEnd('/');

    private static bool ValidPrice(long price) => price is >= 0 and <= MaxPrice;

    private static Dictionary<string, string> Map(IEnumerable<ModelMapping> models) =>
        models.ToDictionary(m => m.ModelId.Trim(), m => m.UpstreamModelId.Trim(), StringComparer.Ordinal);

    private static string Target(Route route) => $"route:{route.Name}";

    /// <summary>What the audit trail keeps of a route: everything but the key, of which only its presence.</summary>
    private sealed record RouteAudit(string Name, string Kind, string BaseUrl, int Priority, int Weight, int ConnectTimeoutSeconds, int FirstByteTimeoutSeconds,
        int TotalTimeoutSeconds, int MaxAnswerBytes, bool Enabled, bool Simulated, string Models, bool UpstreamKeySet, string Protocol, bool NativeResponses,
        bool UpstreamKeyReplaced = false, string LimitField = "max_tokens");

    private static RouteAudit AuditView(Route r) => new(r.Name, r.Kind.ToString().ToLowerInvariant(), r.BaseUrl, r.Priority, r.Weight, r.ConnectTimeoutSeconds,
        r.TimeoutSeconds, r.TotalTimeoutSeconds, r.MaxAnswerBytes, r.Enabled, r.IsSimulated,
        string.Join(", ", r.Models.OrderBy(m => m.ModelId, StringComparer.Ordinal).Select(m => $"{m.ModelId}={m.UpstreamModelId}")),
        r.ProtectedUpstreamKey is not null, r.Protocol.ToString().ToLowerInvariant(), r.NativeResponses, LimitField: OutputLimit.FieldName(r.LimitField));

    private static object PriceView(PriceSnapshot p) => new
    {
        Snapshot = p.Id, p.InputPrice, p.OutputPrice, p.CachedInputPrice, p.CacheWrite5mPrice, p.CacheWrite1hPrice, p.EffectiveFrom,
    };

    private static object ModelView(ModelInfo m) => new { m.DisplayName, Kind = m.Kind.ToString().ToLowerInvariant(), m.ContextWindow, m.MaxOutputTokens, m.OwnedBy };

    [GeneratedRegex("^[A-Za-z0-9._:/-]{1,100}$")]
    private static partial Regex ModelId();
}
