using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Data;

namespace TokensForge.Core.Budgets;

/// <summary>A budget's current window as its owner sees it: spent, held by requests in flight, and when it resets.</summary>
public sealed record BudgetUsage(Guid BudgetId, BudgetScope Scope, Guid? KeyId, BudgetPeriod Period, long Limit, long Spent, long Reserved,
    DateTime WindowStart, DateTime ResetsAt, string ResetsAtText)
{
    public long Used => Spent + Reserved;
    public long Left => Math.Max(0, Limit - Used);
}

/// <summary>
/// Setting and reading budgets. A change bumps the key stamp in its transaction, so every instance's key cache (which
/// carries each key's budgets and its owner's) reloads within a second.
/// </summary>
public sealed class BudgetService(IDbContextFactory<AppDbContext> contexts, BudgetCalendar calendar, ApiKeyAuthenticator authenticator, TimeProvider time)
{
    /// <summary>
    /// Sets the budget of <paramref name="period"/> on the user's account (<paramref name="keyId"/> null) or on one of the
    /// user's keys; a null <paramref name="limit"/> removes it. A changed limit keeps what the window has spent.
    /// </summary>
    public async Task<Result<bool>> SetAsync(string userId, Guid? keyId, BudgetPeriod period, long? limit, CancellationToken ct = default)
    {
        if (limit is <= 0) return BudgetErrors.InvalidLimit;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (keyId is { } id && !await db.ApiKeys.AnyAsync(k => k.Id == id && k.UserId == userId, ct)) return BudgetErrors.KeyNotFound;
        var (scope, owner) = keyId is { } key ? (BudgetScope.Key, Budget.OwnerOf(key)) : (BudgetScope.User, userId);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var budget = await db.Budgets.FirstOrDefaultAsync(b => b.Scope == scope && b.OwnerId == owner && b.Period == period, ct);
        switch (budget, limit)
        {
            case (null, null):
                return false;
            case (null, { } amount):
                db.Budgets.Add(new Budget(Guid.CreateVersion7(), scope, owner, userId, period, amount, now));
                break;
            case ({ } existing, { } amount):
                existing.ChangeLimit(amount, now);
                break;
            case ({ } existing, null):
                db.Budgets.Remove(existing);
                break;
        }
        await db.SaveChangesAsync(ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        authenticator.Forget();
        return true;
    }

    /// <summary>The user's budgets (account-wide and per key) with their current windows.</summary>
    public async Task<IReadOnlyList<BudgetUsage>> UsageAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var budgets = await db.Budgets.AsNoTracking().Where(b => b.UserId == userId).ToListAsync(ct);
        if (budgets.Count == 0) return [];
        var ids = budgets.Select(b => b.Id).ToList();
        var windows = await db.BudgetWindows.AsNoTracking().Where(w => ids.Contains(w.BudgetId)).ToListAsync(ct);
        return budgets
            .OrderBy(b => b.Scope).ThenBy(b => b.OwnerId).ThenBy(b => b.Period)
            .Select(b =>
            {
                var start = calendar.StartOf(b.Period, now);
                var window = windows.FirstOrDefault(w => w.BudgetId == b.Id && w.Start == start);
                var resets = calendar.ResetAfter(b.Period, now);
                return new BudgetUsage(b.Id, b.Scope, b.Scope == BudgetScope.Key ? Guid.Parse(b.OwnerId) : null, b.Period, b.Limit,
                    window?.Spent ?? 0, window?.Reserved ?? 0, start, resets, calendar.Describe(resets));
            })
            .ToList();
    }

    /// <summary>The budgets a request by this user (with this key, when one) must fit.</summary>
    public static async Task<IReadOnlyList<BudgetLimit>> LimitsAsync(AppDbContext db, string userId, Guid? keyId, CancellationToken ct)
    {
        var keyOwner = keyId is { } id ? Budget.OwnerOf(id) : null;
        return await db.Budgets.AsNoTracking()
            .Where(b => (b.Scope == BudgetScope.User && b.OwnerId == userId) || (keyOwner != null && b.Scope == BudgetScope.Key && b.OwnerId == keyOwner))
            .OrderBy(b => b.Scope).ThenBy(b => b.Period)
            .Select(b => new BudgetLimit(b.Id, b.Scope, b.Period, b.Limit))
            .ToListAsync(ct);
    }

    /// <summary><see cref="LimitsAsync(AppDbContext, string, Guid?, CancellationToken)"/> for a caller without a key (the playground).</summary>
    public async Task<IReadOnlyList<BudgetLimit>> LimitsAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await LimitsAsync(db, userId, null, ct);
    }
}
