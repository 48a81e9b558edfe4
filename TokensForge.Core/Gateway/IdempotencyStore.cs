using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Gateway;

/// <summary>What a request under an <c>Idempotency-Key</c> may do.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>This request is the first: go on, and complete or release the claim with the receipt.</summary>
    public sealed record Claimed(Guid Id) : IdempotencyClaim;

    /// <summary>The first request completed: answer with its stored result, charge nothing.</summary>
    public sealed record Replay(int StatusCode, string Body, Guid ReceiptId, long Cost) : IdempotencyClaim;

    /// <summary>Refused: still in flight, a different body, or nothing to replay.</summary>
    public sealed record Refused(GatewayError Error, Guid? ReceiptId) : IdempotencyClaim;
}

/// <summary>
/// Claims idempotency keys with a unique index, before any money moves. The claim is completed (with the
/// result to replay) or released (on a free failure, so a retry may run) in the transaction that writes the
/// receipt, so a key is charged at most once on every instance.
/// </summary>
public sealed class IdempotencyStore(WriteTransaction writes, TimeProvider time, IOptions<GatewayOptions> options)
{
    /// <summary>
    /// Claims the caller's <c>Idempotency-Key</c> for a pipeline: either the answer to give at once (a stored replay or a
    /// refusal), or the claim to complete with the receipt (null when the request has no key).
    /// </summary>
    public async Task<(GatewayResult? Answer, Guid? ClaimId)> ClaimForAsync(GatewayCaller caller, Guid receiptId, bool stream, CancellationToken ct)
    {
        if (caller.IdempotencyKey is not { } key) return (null, null);
        return await ClaimAsync(caller.UserId, key, caller.RequestHash ?? "", receiptId, stream, ct) switch
        {
            IdempotencyClaim.Replay replay => (new GatewayResult(null, replay.ReceiptId, replay.Cost, replay.Body, Status: Receipts.RequestStatus.Succeeded, Replayed: true), null),
            IdempotencyClaim.Refused refused => (GatewayResult.Fail(refused.Error, refused.ReceiptId), null),
            IdempotencyClaim.Claimed claimed => (null, claimed.Id),
            _ => throw new InvalidOperationException("Unknown idempotency claim."),
        };
    }

    /// <summary>
    /// Claims <paramref name="key"/> in a write transaction of its own. Two first claims at once meet at the unique index:
    /// the loser runs again and now sees the winner's claim.
    /// </summary>
    public Task<IdempotencyClaim> ClaimAsync(string userId, string key, string requestHash, Guid receiptId, bool stream, CancellationToken ct) =>
        writes.RunAsync(async (db, token) => Write.Commit(await ClaimAsync(db, userId, key, requestHash, receiptId, stream, token)), ct);

    private async Task<IdempotencyClaim> ClaimAsync(AppDbContext db, string userId, string key, string requestHash, Guid receiptId, bool stream, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var existing = await db.IdempotencyRecords.AsNoTracking().FirstOrDefaultAsync(r => r.UserId == userId && r.Key == key, ct);
        if (existing is null)
        {
            var claim = new IdempotencyRecord(Guid.CreateVersion7(), userId, key, requestHash, receiptId, stream, now);
            db.IdempotencyRecords.Add(claim);
            await db.SaveChangesAsync(ct);
            return new IdempotencyClaim.Claimed(claim.Id);
        }

        if (existing.RequestHash != requestHash) return new IdempotencyClaim.Refused(GatewayErrors.IdempotencyKeyReused, null);
        if (existing.State == IdempotencyState.Completed)
        {
            return existing.StatusCode is { } status && existing.ResponseBody is { } body
                ? new IdempotencyClaim.Replay(status, body, existing.ReceiptId, existing.Cost)
                : new IdempotencyClaim.Refused(GatewayErrors.IdempotencyKeyUsed(existing.Stream, existing.ReceiptId), existing.ReceiptId);
        }

        // A claim older than a hold's life belongs to a request that crashed: take it over.
        var stale = now - options.Value.HoldTimeout;
        var taken = await db.IdempotencyRecords
            .Where(r => r.Id == existing.Id && r.State == IdempotencyState.InFlight && r.CreatedAt < stale)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedAt, now).SetProperty(r => r.ReceiptId, receiptId).SetProperty(r => r.Stream, stream), ct);
        return taken == 1 ? new IdempotencyClaim.Claimed(existing.Id) : new IdempotencyClaim.Refused(GatewayErrors.IdempotencyKeyInUse, null);
    }

    /// <summary>Stores the result to replay, inside the receipt's transaction. A null status means there is nothing to replay.</summary>
    public static Task CompleteAsync(AppDbContext db, Guid id, int? statusCode, string? body, long cost, DateTime now, CancellationToken ct) =>
        RawSql.Command(db, """
                UPDATE idempotency_records SET "State" = @state, "StatusCode" = @status, "ResponseBody" = @body, "Cost" = @cost, "CompletedAt" = @now
                WHERE "Id" = @id
                """)
            .With<IdempotencyRecord>(db, "@state", nameof(IdempotencyRecord.State), IdempotencyState.Completed)
            .With<IdempotencyRecord>(db, "@status", nameof(IdempotencyRecord.StatusCode), statusCode)
            .With<IdempotencyRecord>(db, "@body", nameof(IdempotencyRecord.ResponseBody), body)
            .With<IdempotencyRecord>(db, "@cost", nameof(IdempotencyRecord.Cost), cost)
            .With<IdempotencyRecord>(db, "@now", nameof(IdempotencyRecord.CompletedAt), now)
            .With<IdempotencyRecord>(db, "@id", nameof(IdempotencyRecord.Id), id)
            .ExecuteOrQueueAsync(ct);

    /// <summary>Frees the key after a request that charged nothing, so the caller may retry it.</summary>
    public static Task<int> ReleaseAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        db.IdempotencyRecords.Where(r => r.Id == id && r.State == IdempotencyState.InFlight).ExecuteDeleteAsync(ct);

    public Task ReleaseAsync(Guid id, CancellationToken ct) =>
        writes.RunAsync(async (db, token) => Write.Commit(await ReleaseAsync(db, id, token)), ct);
}
