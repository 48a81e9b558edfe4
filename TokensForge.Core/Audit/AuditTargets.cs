using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Audit;

/// <summary>What an audit event's target names.</summary>
public enum AuditTargetKind
{
    Campaign,
    Code,
    Route,
    Model,
    User,
    PriceGroup,
    Key,
}

/// <summary>
/// A target as it stands today: its kind, the id its page is found by (a campaign's, route's, user's or price group's id,
/// a code's text, a model's id; for a key, its owner's user id), its name for people and a detail (the code's campaign,
/// the model of a route's price change, the key's prefix).
/// </summary>
public sealed record AuditTargetName(AuditTargetKind Kind, string Id, string Name, string? Detail = null);

/// <summary>
/// Names the targets of a page of audit events (<c>campaign:{id}</c>, <c>code:{code}</c>, <c>route:{name}</c>,
/// <c>route:{name}/model:{id}</c>, <c>model:{id}</c>, <c>user:{email}</c>, <c>price_group:{name}</c>, <c>key:{id or prefix}</c>).
/// A target that no longer exists, or of another kind, has no name and is shown as recorded.
/// </summary>
public sealed class AuditTargets(IDbContextFactory<AppDbContext> contexts)
{
    /// <summary>A target's kind, the value it was recorded by and any detail after a slash; null when it is of no known kind.</summary>
    public static (AuditTargetKind Kind, string Value, string? Detail)? Parse(string target)
    {
        var colon = target.IndexOf(':');
        if (colon <= 0 || colon == target.Length - 1) return null;
        var value = target[(colon + 1)..];
        string? detail = null;
        var kind = target[..colon] switch
        {
            "campaign" => AuditTargetKind.Campaign,
            "code" => AuditTargetKind.Code,
            "route" => AuditTargetKind.Route,
            "model" => AuditTargetKind.Model,
            "user" => AuditTargetKind.User,
            "price_group" => AuditTargetKind.PriceGroup,
            "key" or "api_key" => AuditTargetKind.Key,
            _ => (AuditTargetKind?)null,
        };
        if (kind is null) return null;
        // A price change names its route and model: "route:sim-routed/model:gpt-4o".
        if (kind == AuditTargetKind.Route && value.IndexOf("/model:", StringComparison.Ordinal) is var slash and > 0)
            (value, detail) = (value[..slash], value[(slash + "/model:".Length)..]);
        return (kind.Value, value, detail);
    }

    /// <summary>The name of every target that still exists, by its recorded text: one query per kind present, whatever the number of events.</summary>
    public async Task<IReadOnlyDictionary<string, AuditTargetName>> ResolveAsync(IEnumerable<string> targets, CancellationToken ct = default)
    {
        var parsed = targets.Distinct(StringComparer.Ordinal)
            .Select(t => (Target: t, Parsed: Parse(t)))
            .Where(t => t.Parsed is not null)
            .Select(t => (t.Target, t.Parsed!.Value.Kind, t.Parsed.Value.Value, t.Parsed.Value.Detail))
            .ToList();
        var names = new Dictionary<string, AuditTargetName>(StringComparer.Ordinal);
        if (parsed.Count == 0) return names;
        await using var db = await contexts.CreateDbContextAsync(ct);

        List<string> Values(AuditTargetKind kind) => parsed.Where(p => p.Kind == kind).Select(p => p.Value).Distinct(StringComparer.Ordinal).ToList();
        void Name(AuditTargetKind kind, Func<string, string?, AuditTargetName?> resolve)
        {
            foreach (var p in parsed.Where(p => p.Kind == kind))
                if (resolve(p.Value, p.Detail) is { } name) names[p.Target] = name;
        }

        if (Values(AuditTargetKind.Campaign).Select(v => Guid.TryParse(v, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList() is { Count: > 0 } campaignIds)
        {
            var campaigns = await db.Campaigns.AsNoTracking().Where(c => campaignIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
            Name(AuditTargetKind.Campaign, (v, _) => Guid.TryParse(v, out var id) && campaigns.TryGetValue(id, out var name)
                ? new AuditTargetName(AuditTargetKind.Campaign, id.ToString(), name) : null);
        }
        if (Values(AuditTargetKind.Code) is { Count: > 0 } codeTexts)
        {
            var codes = await db.RedeemCodes.AsNoTracking().Where(c => codeTexts.Contains(c.Code))
                .Select(c => new { c.Code, Campaign = db.Campaigns.Where(x => x.Id == c.CampaignId).Select(x => x.Name).FirstOrDefault() })
                .ToDictionaryAsync(c => c.Code, c => c.Campaign, StringComparer.Ordinal, ct);
            Name(AuditTargetKind.Code, (v, _) => codes.TryGetValue(v, out var campaign) ? new AuditTargetName(AuditTargetKind.Code, v, v, campaign) : null);
        }
        if (Values(AuditTargetKind.Route) is { Count: > 0 } routeNames)
        {
            var routes = await db.Routes.AsNoTracking().Where(r => routeNames.Contains(r.Name)).ToDictionaryAsync(r => r.Name, r => r.Id, StringComparer.Ordinal, ct);
            Name(AuditTargetKind.Route, (v, detail) => routes.TryGetValue(v, out var id) ? new AuditTargetName(AuditTargetKind.Route, id.ToString(), v, detail) : null);
        }
        if (Values(AuditTargetKind.Model) is { Count: > 0 } modelIds)
        {
            var models = await db.Models.AsNoTracking().Where(m => modelIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, m => m.DisplayName, StringComparer.Ordinal, ct);
            Name(AuditTargetKind.Model, (v, _) => models.TryGetValue(v, out var name) ? new AuditTargetName(AuditTargetKind.Model, v, name, v) : null);
        }
        if (Values(AuditTargetKind.User).Select(e => e.ToUpperInvariant()).ToList() is { Count: > 0 } emails)
        {
            // By Identity's upper-cased copy: an event records the email as typed.
            var users = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail != null && emails.Contains(u.NormalizedEmail))
                .Select(u => new { u.Id, u.Email, u.NormalizedEmail }).ToDictionaryAsync(u => u.NormalizedEmail!, StringComparer.Ordinal, ct);
            Name(AuditTargetKind.User, (v, _) => users.TryGetValue(v.ToUpperInvariant(), out var u) ? new AuditTargetName(AuditTargetKind.User, u.Id, u.Email ?? v) : null);
        }
        if (Values(AuditTargetKind.PriceGroup) is { Count: > 0 } groupNames)
        {
            var groups = await db.PriceGroups.AsNoTracking().Where(g => groupNames.Contains(g.Name)).ToDictionaryAsync(g => g.Name, g => g.Id, StringComparer.Ordinal, ct);
            Name(AuditTargetKind.PriceGroup, (v, _) => groups.TryGetValue(v, out var id) ? new AuditTargetName(AuditTargetKind.PriceGroup, id.ToString(), v) : null);
        }
        if (Values(AuditTargetKind.Key) is { Count: > 0 } keyValues)
        {
            // A key is recorded by its id or by its prefix; both are looked up in the one query.
            var keyIds = keyValues.Select(v => Guid.TryParse(v, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();
            var keys = await db.ApiKeys.AsNoTracking().Where(k => keyIds.Contains(k.Id) || keyValues.Contains(k.Prefix))
                .Select(k => new { k.Id, k.Prefix, k.Name, k.UserId }).ToListAsync(ct);
            Name(AuditTargetKind.Key, (v, _) => keys.FirstOrDefault(k => k.Prefix == v || k.Id.ToString() == v) is { } k
                ? new AuditTargetName(AuditTargetKind.Key, k.UserId, k.Name, k.Prefix) : null);
        }
        return names;
    }
}
