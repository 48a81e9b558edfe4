using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Budgets;

/// <summary>
/// Gives back budget reservations whose hold expired without a receipt (the instance serving the request was killed):
/// the hold sweeper returns the money, this returns the budget's headroom.
/// </summary>
public sealed class BudgetReservationSweeper(IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, TimeProvider time) : IPeriodicSweep
{
    public string Name => "budget reservations";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        List<Guid> due;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            due = await db.BudgetReservations.AsNoTracking().Where(r => r.ExpiresAt <= now).Select(r => r.ReservationId).Distinct().ToListAsync(ct);
        }
        var released = 0;
        foreach (var id in due)
        {
            // A receipt written meanwhile took the rows first: then there is nothing left to give back.
            if (await writes.RunAsync(async (db, token) => Write.Commit(await BudgetSpend.ReleaseAsync(db, id, token)), ct) > 0) released++;
        }
        return released;
    }
}
