using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Data;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>
/// What the key's spend limit and the caller's budgets leave right now, read without reserving anything: for a quote,
/// which must answer as the hold would. The hold itself decides again in its transaction.
/// </summary>
/// <param name="KeyRemaining">What the key's spend limit leaves (null: the key has none).</param>
public sealed record SpendHeadroom(long? KeyRemaining, IReadOnlyList<BudgetUsage> Budgets)
{
    public static readonly SpendHeadroom None = new(null, []);
}

/// <summary>Reads a caller's <see cref="SpendHeadroom"/> and says whether it would refuse a hold, in the hold's own words.</summary>
public sealed class SpendHeadroomReader(IDbContextFactory<AppDbContext> contexts, BudgetService budgets, BudgetCalendar calendar)
{
    /// <summary>Why a hold of <paramref name="worst"/> on <paramref name="route"/> would be refused by the key or a budget; null when both cover it.</summary>
    public HoldRefusal? Refuses(SpendHeadroom headroom, RouteCandidate route, long worst)
    {
        if (worst == 0) return null;
        if (headroom.KeyRemaining < worst) return new HoldRefusal(route, worst, ReceiptReasons.SpendLimitReached, AnyKind: true);
        return headroom.Budgets.FirstOrDefault(b => b.Left < worst) is { } tight
            ? new HoldRefusal(route, worst, ReceiptReasons.BudgetExceeded,
                BudgetErrors.Exceeded(new BudgetRefusal(new BudgetLimit(tight.BudgetId, tight.Scope, tight.Period, tight.Limit), tight.Used, worst, tight.ResetsAt),
                    calendar).Message, AnyKind: true)
            : null;
    }

    /// <summary>The caller's key spend and budget windows now (small reads, none when the caller has neither).</summary>
    public async Task<SpendHeadroom> ReadAsync(GatewayCaller caller, CancellationToken ct)
    {
        if (caller.Sponsor is not null) return SpendHeadroom.None;
        var limits = caller.Budgets ?? await budgets.LimitsAsync(caller.UserId, ct);
        var key = caller.Key is { SpendLimit: not null } limited ? limited : null;
        if (key is null && limits.Count == 0) return SpendHeadroom.None;

        long? keyRemaining = null;
        if (key is not null)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var spend = await db.ApiKeys.AsNoTracking().Where(k => k.Id == key.KeyId)
                .Select(k => new { k.SpendLimit, k.Spent, k.SpendReserved }).SingleOrDefaultAsync(ct);
            keyRemaining = spend is null ? 0 : Math.Max(0, (spend.SpendLimit ?? long.MaxValue) - spend.Spent - spend.SpendReserved);
        }
        // The caller's own budgets (the account's and this key's) as the budget bars show them.
        var ids = limits.Select(l => l.Id).ToHashSet();
        var usage = limits.Count == 0 ? [] : (await budgets.UsageAsync(caller.UserId, ct)).Where(u => ids.Contains(u.BudgetId)).ToList();
        return new SpendHeadroom(keyRemaining, usage);
    }
}
