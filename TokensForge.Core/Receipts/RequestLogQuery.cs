using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Receipts;

/// <summary>
/// Filters of the admin request log; each is optional. <see cref="User"/> is an email (exact when it holds an "@", else
/// any email containing it); <see cref="Key"/> is part of a key's name or the start of its prefix; <see cref="To"/> is exclusive.
/// </summary>
public sealed record RequestLogFilter(
    string? User = null,
    string? Key = null,
    string? Model = null,
    string? Route = null,
    RequestStatus? Status = null,
    DateTime? From = null,
    DateTime? To = null);

/// <summary>One receipt of the cross-user request log, with its account and key named.</summary>
public sealed record RequestLogRow(
    Guid Id,
    DateTime CreatedAt,
    string UserId,
    string? UserEmail,
    RequestSource Source,
    string? ApiKeyName,
    string? ApiKeyPrefix,
    string Model,
    string? RouteName,
    RouteKind? RouteKind,
    bool Simulated,
    RequestStatus Status,
    string Reason,
    int PromptTokens,
    int CompletionTokens,
    long Cost,
    int LatencyMs);

/// <summary>Every account's receipts for admins, newest first, one page at a time.</summary>
public sealed class RequestLogQuery(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<PagedResult<RequestLogRow>> ListAsync(RequestLogFilter filter, int page, int pageSize, CancellationToken ct = default)
    {
        pageSize = Math.Clamp(pageSize, 1, 200);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.RequestRecords.AsNoTracking();
        if (Trimmed(filter.User) is { } user)
        {
            // Identity keeps an upper-cased copy of every email, so the match ignores case on both databases.
            var normalized = user.ToUpperInvariant();
            var users = normalized.Contains('@')
                ? db.Users.Where(u => u.NormalizedEmail == normalized)
                : db.Users.Where(u => u.NormalizedEmail != null && u.NormalizedEmail.Contains(normalized));
            // A subquery rather than a list of ids: a short term may match many accounts.
            query = query.Where(r => users.Select(u => u.Id).Contains(r.UserId));
        }
        if (Trimmed(filter.Key)?.TrimEnd('…', '.') is { Length: > 0 } key)
        {
            // Case ignored on both databases (SQLite's LIKE ignores it, PostgreSQL's does not); the keys table is small.
            var term = key.ToUpperInvariant();
            var keys = db.ApiKeys.Where(k => k.Name.ToUpper().Contains(term) || k.Prefix.ToUpper().StartsWith(term)).Select(k => (Guid?)k.Id);
            query = query.Where(r => keys.Contains(r.ApiKeyId));
        }
        if (Trimmed(filter.Model) is { } model) query = query.Where(r => r.Model == model);
        if (Trimmed(filter.Route) is { } route) query = query.Where(r => r.RouteName == route);
        if (filter.Status is { } status) query = query.Where(r => r.Status == status);
        if (filter.From is { } from) query = query.Where(r => r.CreatedAt >= from);
        if (filter.To is { } to) query = query.Where(r => r.CreatedAt < to);

        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip(Math.Max(page, 0) * pageSize).Take(pageSize)
            .Select(r => new RequestLogRow(r.Id, r.CreatedAt, r.UserId,
                db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault(),
                r.Source,
                db.ApiKeys.Where(k => k.Id == r.ApiKeyId).Select(k => k.Name).FirstOrDefault(),
                r.ApiKeyPrefix, r.Model, r.RouteName, r.RouteKind, r.Simulated, r.Status, r.Reason, r.PromptTokens, r.CompletionTokens,
                r.Cost, r.LatencyMs))
            .ToListAsync(ct);
        return new PagedResult<RequestLogRow>(rows, total);
    }

    /// <summary>
    /// The models and routes of the catalogue, for the filters' lists: read from the catalogue, not from the receipts, so
    /// the lists cost nothing however many receipts there are.
    /// </summary>
    public async Task<(IReadOnlyList<string> Models, IReadOnlyList<string> Routes)> ChoicesAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = await db.Models.AsNoTracking().Select(m => m.Id).OrderBy(m => m).ToListAsync(ct);
        var routes = await db.Routes.AsNoTracking().Select(r => r.Name).OrderBy(n => n).ToListAsync(ct);
        return (models, routes);
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
