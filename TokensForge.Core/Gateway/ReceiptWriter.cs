using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;

namespace TokensForge.Core.Gateway;

/// <summary>The idempotency claim to close with a receipt, and the result to store for repeats.</summary>
public sealed record IdempotencyCompletion(Guid ClaimId, int? StatusCode, string? Body);

/// <summary>
/// Writes a receipt atomically with its money: in one transaction the hold is posted for the charge (the rest
/// returns) or voided, the record and its paid-by parts are inserted, the key's spend (or the sponsor's limit)
/// moves from reserved to spent, and the idempotency claim is completed or released. The transfers' reference is the receipt id.
/// </summary>
public sealed class ReceiptWriter(IDbContextFactory<AppDbContext> contexts, HoldService holds, TimeProvider time)
{
    private const int Attempts = 4;

    public async Task<RequestRecord> WriteAsync(RequestRecord record, PlacedHold? placed, ChargeDecision decision, Guid? keyId,
        IdempotencyCompletion? idempotency, CancellationToken ct = default)
    {
        var holdUsable = true;
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var now = time.GetUtcNow().UtcDateTime;
                var (status, reason, cost) = holdUsable ? (decision.Status, decision.Reason, decision.Cost) : (decision.Status, ReceiptReasons.HoldExpired, 0L);
                Guid? txId = null;
                IReadOnlyList<ChargePart> charges = [];
                if (placed is { Hold.Parts.Count: > 0 } && holdUsable)
                {
                    txId = Guid.CreateVersion7();
                    var settled = await holds.SettleAsync(db, txId.Value, placed.Hold, cost, record.Id.ToString(), ct);
                    if (!settled.Succeeded)
                    {
                        await tx.RollbackAsync(ct);
                        if (settled.Error == LedgerErrors.PendingExpired || LedgerErrors.IsAlreadyResolved(settled.Error))
                        {
                            // The sweeper expired the hold first (the request outlived it): the money is back, nothing is charged.
                            holdUsable = false;
                            attempt = 0;
                            continue;
                        }
                        throw new InvalidOperationException($"Settling the hold of receipt {record.Id} failed: {settled.Error}");
                    }
                    charges = settled.Value!;
                }

                record.Finish(status, reason, txId, charges.Select((c, i) => new RequestCharge(Guid.CreateVersion7(), record.Id, i, c.GrantId, c.BucketKey,
                    c.SourceLabel, c.TransferId, c.Amount)), now);
                db.RequestRecords.Add(record);
                await db.SaveChangesAsync(ct);
                if (keyId is { } key) await ApiKeySpend.SettleAsync(db, key, placed?.KeyReserved ?? 0, record.Cost, ct);
                if (placed?.Sponsor is { } sponsor) await sponsor.SettleAsync(db, record, placed.WorstCase, ct);
                if (idempotency is not null)
                {
                    if (record.Status == RequestStatus.Failed) await IdempotencyStore.ReleaseAsync(db, idempotency.ClaimId, ct);
                    else await IdempotencyStore.CompleteAsync(db, idempotency.ClaimId, idempotency.StatusCode, idempotency.Body, record.Cost, now, ct);
                }
                await tx.CommitAsync(ct);
                db.Entry(record).State = EntityState.Detached;
                return record;
            }
            catch (Exception ex) when (attempt < Attempts && DbRaces.IsRace(ex))
            {
                // A concurrent writer got in first (or PostgreSQL picked this transaction as a deadlock victim): try again.
            }
        }
    }
}
