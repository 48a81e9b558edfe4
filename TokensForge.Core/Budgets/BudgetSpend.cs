using TokensForge.Core.Data;

namespace TokensForge.Core.Budgets;

/// <summary>A budget as the gateway applies it: loaded with the caller's key (or for the playground's user) and cached with it.</summary>
public sealed record BudgetLimit(Guid Id, BudgetScope Scope, BudgetPeriod Period, long Limit);

/// <summary>A budget window a hold reserved on.</summary>
public sealed record BudgetShare(Guid BudgetId, DateTime WindowStart);

/// <summary>What one hold reserved on the caller's budgets: settled with its receipt or released with it, by <see cref="ReservationId"/>.</summary>
public sealed record BudgetHold(Guid ReservationId, IReadOnlyList<BudgetShare> Windows);

/// <summary>The budget that refused a hold, how much of its window was already spent or held, and when the window resets.</summary>
public sealed record BudgetRefusal(BudgetLimit Budget, long Used, long Needed, DateTime ResetsAt);

/// <summary>
/// Budgets enforced like a ledger balance, inside the hold's and the receipt's transactions: a hold reserves its worst
/// case on each of the caller's budget windows with a conditional upsert (<c>Spent + Reserved + amount ≤ Limit</c>,
/// the limit read in the same statement), the receipt moves it from reserved to the actual spend, a free failure gives
/// it back. Each reservation is also a row that expires with the hold: whoever deletes it (the receipt, a release, or
/// <see cref="BudgetReservationSweeper"/> after a crash) moves the counter, so a reservation is given back exactly once.
/// </summary>
internal static class BudgetSpend
{
    /// <summary>
    /// Reserves <paramref name="amount"/> on every budget's current window until <paramref name="expiresAt"/>; on a refusal
    /// the caller must roll back (the windows reserved before it are in the same transaction).
    /// </summary>
    public static async Task<(BudgetHold? Hold, BudgetRefusal? Refusal)> TryReserveAsync(AppDbContext db, BudgetCalendar calendar,
        IReadOnlyList<BudgetLimit> budgets, long amount, DateTime now, DateTime expiresAt, CancellationToken ct)
    {
        var reservationId = Guid.CreateVersion7();
        var shares = new List<BudgetShare>(budgets.Count);
        foreach (var budget in budgets)
        {
            var start = calendar.StartOf(budget.Period, now);
            var reserved = await RawSql.Command(db, """
                    INSERT INTO budget_windows ("BudgetId", "Start", "Spent", "Reserved")
                    SELECT "Id", @start, 0, @amount FROM budgets WHERE "Id" = @budget AND @amount <= "Limit"
                    ON CONFLICT ("BudgetId", "Start") DO UPDATE SET "Reserved" = budget_windows."Reserved" + excluded."Reserved"
                    WHERE budget_windows."Spent" + budget_windows."Reserved" + excluded."Reserved" <= (SELECT "Limit" FROM budgets WHERE "Id" = excluded."BudgetId")
                    """)
                .With<BudgetWindow>(db, "@budget", nameof(BudgetWindow.BudgetId), budget.Id)
                .With<BudgetWindow>(db, "@start", nameof(BudgetWindow.Start), start)
                .With<BudgetWindow>(db, "@amount", nameof(BudgetWindow.Reserved), amount)
                .ExecuteAsync(ct) == 1;
            if (!reserved) return (null, new BudgetRefusal(budget, await UsedAsync(db, budget.Id, start, ct), amount, calendar.ResetAfter(budget.Period, now)));
            await RawSql.Command(db, """
                    INSERT INTO budget_reservations ("ReservationId", "BudgetId", "WindowStart", "Amount", "ExpiresAt")
                    VALUES (@reservation, @budget, @start, @amount, @expires)
                    """)
                .With<BudgetReservation>(db, "@reservation", nameof(BudgetReservation.ReservationId), reservationId)
                .With<BudgetReservation>(db, "@budget", nameof(BudgetReservation.BudgetId), budget.Id)
                .With<BudgetReservation>(db, "@start", nameof(BudgetReservation.WindowStart), start)
                .With<BudgetReservation>(db, "@amount", nameof(BudgetReservation.Amount), amount)
                .With<BudgetReservation>(db, "@expires", nameof(BudgetReservation.ExpiresAt), expiresAt)
                .ExecuteAsync(ct);
            shares.Add(new BudgetShare(budget.Id, start));
        }
        return (new BudgetHold(reservationId, shares), null);
    }

    /// <summary>
    /// Inside the receipt's transaction: gives back what the reservation still holds (the sweeper may have given it back
    /// already) and adds <paramref name="spent"/> to each window it was made on. With <paramref name="refuseOverLimit"/> a
    /// spend a budget no longer covers is refused (false): for a charge made afresh after the hold expired.
    /// </summary>
    public static async Task<bool> SettleAsync(AppDbContext db, BudgetHold hold, long spent, bool refuseOverLimit, CancellationToken ct)
    {
        var reserved = (await TakeAsync(db, hold.ReservationId, ct)).ToDictionary(r => r.BudgetId, r => r.Amount);
        foreach (var share in hold.Windows)
        {
            var held = reserved.GetValueOrDefault(share.BudgetId);
            if (held == 0 && spent == 0) continue;
            if (!await MoveAsync(db, share.BudgetId, share.WindowStart, held, spent, refuseOverLimit, ct) && refuseOverLimit) return false;
        }
        return true;
    }

    /// <summary>Gives back a reservation inside the caller's transaction; how many windows it still held (0: someone else gave it back first).</summary>
    public static async Task<int> ReleaseAsync(AppDbContext db, Guid reservationId, CancellationToken ct)
    {
        var rows = await TakeAsync(db, reservationId, ct);
        foreach (var row in rows) await MoveAsync(db, row.BudgetId, row.Start, row.Amount, 0, refuseOverLimit: false, ct);
        return rows.Count;
    }

    /// <summary>Deletes a reservation's rows and says what each held (none when someone else gave it back first).</summary>
    private static Task<List<(Guid BudgetId, DateTime Start, long Amount)>> TakeAsync(AppDbContext db, Guid reservationId, CancellationToken ct) =>
        RawSql.Command(db, """DELETE FROM budget_reservations WHERE "ReservationId" = @reservation RETURNING "BudgetId", "WindowStart", "Amount" """)
            .With<BudgetReservation>(db, "@reservation", nameof(BudgetReservation.ReservationId), reservationId)
            .ReadAllAsync(r => (r.GetGuid(0), r.GetUtc(1), r.GetInt64(2)), ct);

    /// <summary>A window's counters: <paramref name="reserved"/> leaves the reservation, <paramref name="spent"/> joins the spend.</summary>
    private static async Task<bool> MoveAsync(AppDbContext db, Guid budgetId, DateTime start, long reserved, long spent, bool refuseOverLimit, CancellationToken ct) =>
        await RawSql.Command(db, $"""
                UPDATE budget_windows SET "Reserved" = "Reserved" - @reserved, "Spent" = "Spent" + @spent
                WHERE "BudgetId" = @budget AND "Start" = @start{(refuseOverLimit
                    ? """ AND "Spent" + @spent + "Reserved" - @reserved <= (SELECT "Limit" FROM budgets WHERE "Id" = @budget)""" : "")}
                """)
            .With<BudgetWindow>(db, "@reserved", nameof(BudgetWindow.Reserved), reserved)
            .With<BudgetWindow>(db, "@spent", nameof(BudgetWindow.Spent), spent)
            .With<BudgetWindow>(db, "@budget", nameof(BudgetWindow.BudgetId), budgetId)
            .With<BudgetWindow>(db, "@start", nameof(BudgetWindow.Start), start)
            .ExecuteAsync(ct) == 1;

    private static async Task<long> UsedAsync(AppDbContext db, Guid budgetId, DateTime start, CancellationToken ct) =>
        await RawSql.Command(db, """SELECT "Spent" + "Reserved" FROM budget_windows WHERE "BudgetId" = @budget AND "Start" = @start""")
            .With<BudgetWindow>(db, "@budget", nameof(BudgetWindow.BudgetId), budgetId)
            .With<BudgetWindow>(db, "@start", nameof(BudgetWindow.Start), start)
            .ScalarAsync(ct) is { } used and not DBNull ? Convert.ToInt64(used, System.Globalization.CultureInfo.InvariantCulture) : 0;
}
