using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Audit;

/// <summary>Filters of the audit page; each is optional.</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Target = null, DateTime? From = null, DateTime? To = null);

/// <summary>The audit trail, newest first, one page at a time.</summary>
public sealed class AuditQueries(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<AuditEvent>> SearchAsync(AuditFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Actor)) query = query.Where(e => e.Actor.Contains(filter.Actor.Trim()));
        if (!string.IsNullOrWhiteSpace(filter.Action)) query = query.Where(e => e.Action.StartsWith(filter.Action.Trim()));
        if (!string.IsNullOrWhiteSpace(filter.Target)) query = query.Where(e => e.Target.Contains(filter.Target.Trim()));
        if (filter.From is { } from) query = query.Where(e => e.OccurredAt >= from);
        if (filter.To is { } to) query = query.Where(e => e.OccurredAt < to);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(e => e.Sequence).Skip(Math.Max(page, 0) * pageSize).Take(Math.Clamp(pageSize, 1, 200)).ToListAsync(ct);
        return new PagedResult<AuditEvent>(items, total);
    }

    /// <summary>Every action the trail holds, for the page's action filter: a list to pick from rather than a name to guess.</summary>
    public async Task<IReadOnlyList<string>> ActionsAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AuditEvents.AsNoTracking().Select(e => e.Action).Distinct().OrderBy(a => a).ToListAsync(ct);
    }
}
