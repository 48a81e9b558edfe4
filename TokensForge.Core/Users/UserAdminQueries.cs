using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Receipts;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Users;

/// <summary>One account in the admin users list; <see cref="Balance"/> is the posted balance of all its grants.</summary>
public sealed record UserRow(string Id, string Email, IReadOnlyList<string> Roles, DateTime? DisabledAt, long Balance, int ActiveKeys);

/// <summary>Everything the admin's page of one account shows.</summary>
public sealed record UserOverview(
    string Id,
    string Email,
    IReadOnlyList<string> Roles,
    DateTime? DisabledAt,
    DateTimeOffset? LockedOutUntil,
    IReadOnlyList<BucketBalance> Buckets,
    IReadOnlyList<GrantView> Grants,
    IReadOnlyList<ApiKeyView> Keys,
    PagedResult<ReceiptRow> RecentReceipts,
    PagedResult<RedemptionView> RecentRedemptions);

/// <summary>Read side of the admin users pages: search by email, and one account with its wallet, keys and history.</summary>
public sealed class UserAdminQueries(
    IDbContextFactory<AppDbContext> contexts, WalletQueries wallets, ApiKeyService keys, ReceiptQueries receipts, RedemptionQueries redemptions, TimeProvider time)
{
    /// <summary>How many receipts and redemptions the account page lists (newest first).</summary>
    public const int RecentCount = 10;

    /// <summary>Accounts whose email contains <paramref name="email"/> (any case), ordered by email, one page at a time.</summary>
    public async Task<PagedResult<UserRow>> SearchAsync(string? email, PageRequest page, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var users = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(email))
        {
            var term = email.Trim().ToUpperInvariant();
            users = users.Where(u => u.NormalizedEmail != null && u.NormalizedEmail.Contains(term));
        }
        var total = await users.CountAsync(ct);
        var ordered = page.Descending ? users.OrderByDescending(u => u.NormalizedEmail) : users.OrderBy(u => u.NormalizedEmail);
        var rows = await ordered.ThenBy(u => u.Id).Skip(page.Skip).Take(page.Take)
            .Select(u => new
            {
                u.Id,
                u.Email,
                u.DisabledAt,
                Balance = db.CreditGrants.Where(g => g.UserId == u.Id).Sum(g => (long?)(g.Account.CreditsPosted - g.Account.DebitsPosted)) ?? 0,
                ActiveKeys = db.ApiKeys.Count(k => k.UserId == u.Id && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)),
            })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var roles = (await (from ur in db.UserRoles
                            join r in db.Roles on ur.RoleId equals r.Id
                            where ids.Contains(ur.UserId) && r.Name != null
                            select new { ur.UserId, Name = r.Name! }).ToListAsync(ct))
            .ToLookup(r => r.UserId, r => r.Name);
        return new PagedResult<UserRow>(rows.Select(r => new UserRow(r.Id, r.Email ?? "", roles[r.Id].Order(StringComparer.Ordinal).ToList(),
            r.DisabledAt, r.Balance, r.ActiveKeys)).ToList(), total);
    }

    /// <summary>The account with its balances, grants, keys, recent receipts and redemptions; null when there is no such account.</summary>
    public async Task<UserOverview?> GetAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.Email, u.DisabledAt, u.LockoutEnd }).FirstOrDefaultAsync(ct);
        if (user is null) return null;
        var roles = await UserAdminService.RoleNamesAsync(db, userId, ct);
        var lockedOut = user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : (DateTimeOffset?)null;
        return new UserOverview(user.Id, user.Email ?? "", roles, user.DisabledAt, lockedOut,
            await wallets.GetBucketsAsync(userId, ct),
            await wallets.GetGrantsAsync(userId, ct),
            await keys.ListAsync(userId, ct),
            await receipts.ListAsync(new ReceiptFilter(userId), 0, RecentCount, ct),
            await redemptions.GetPageAsync(userId, 0, RecentCount, ct));
    }
}
