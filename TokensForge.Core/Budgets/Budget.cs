namespace TokensForge.Core.Budgets;

/// <summary>Whose spend a budget caps: one API key's, or everything a user spends (every key and the playground).</summary>
public enum BudgetScope { Key, User }

/// <summary>The calendar window a budget resets on, in the configured time zone (<see cref="BudgetOptions.TimeZone"/>).</summary>
public enum BudgetPeriod { Day, Week, Month }

public static class BudgetWords
{
    /// <summary>"daily", "weekly" or "monthly", as refusals, alerts and the budget bars say it.</summary>
    public static string Adjective(this BudgetPeriod period) => period switch
    {
        BudgetPeriod.Day => "daily",
        BudgetPeriod.Week => "weekly",
        _ => "monthly",
    };
}

/// <summary>
/// An amount a key or a user may spend per calendar window, at most one per period and owner (¥10 a day and ¥100 a
/// month are two budgets). What was spent lives in <see cref="BudgetWindow"/> rows keyed by the window's start, so a
/// new window starts from zero without any job resetting it.
/// </summary>
public sealed class Budget
{
    private Budget() { }

    internal Budget(Guid id, BudgetScope scope, string ownerId, string userId, BudgetPeriod period, long limit, DateTime createdAt)
    {
        Id = id;
        Scope = scope;
        OwnerId = ownerId;
        UserId = userId;
        Period = period;
        Limit = limit;
        CreatedAt = createdAt;
        ChangedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public BudgetScope Scope { get; private set; }

    /// <summary>The key's id (<c>D</c> format) for a key budget, the user's id for a user budget.</summary>
    public string OwnerId { get; private set; } = "";

    /// <summary>The user whose money it caps (the key's owner for a key budget).</summary>
    public string UserId { get; private set; } = "";

    public BudgetPeriod Period { get; private set; }

    /// <summary>µ per window.</summary>
    public long Limit { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime ChangedAt { get; private set; }

    internal void ChangeLimit(long limit, DateTime now)
    {
        Limit = limit;
        ChangedAt = now;
    }

    public static string OwnerOf(Guid keyId) => keyId.ToString("D");
}

/// <summary>
/// What one budget's window has spent and holds in reservations: requests reserve their worst case here in their
/// hold's transaction (a conditional upsert: <c>Spent + Reserved + amount ≤ limit</c>) and settle it with their receipt.
/// </summary>
public sealed class BudgetWindow
{
    private BudgetWindow() { }

    public Guid BudgetId { get; private set; }

    /// <summary>UTC instant the window starts (local midnight of its first day in the budget time zone).</summary>
    public DateTime Start { get; private set; }

    public long Spent { get; private set; }
    public long Reserved { get; private set; }
}

/// <summary>
/// One request's share of a <see cref="BudgetWindow.Reserved"/>, kept so a reservation whose request never settled
/// (its instance was killed) is given back once it expires with the hold; whoever deletes the row moves the counter.
/// </summary>
public sealed class BudgetReservation
{
    private BudgetReservation() { }

    /// <summary>The hold's reservation id, shared with the key's spend reservation.</summary>
    public Guid ReservationId { get; private set; }

    public Guid BudgetId { get; private set; }
    public DateTime WindowStart { get; private set; }
    public long Amount { get; private set; }
    public DateTime ExpiresAt { get; private set; }
}
