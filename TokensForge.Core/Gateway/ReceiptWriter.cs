using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>
/// How a request ended, for its receipt: the route it names, what was held there, the charge, timings, the upstream's
/// failure, and the answer to keep for idempotent replays (null when there is nothing to replay).
/// </summary>
/// <param name="AlsoWrite">What the front door keeps with the receipt, in its transaction (a stored response).</param>
public sealed record ReceiptFacts(RouteCandidate Route, long Held, ChargeDecision Decision, int LatencyMs, int? TimeToFirstTokenMs = null,
    int? UpstreamStatus = null, string? UpstreamError = null, string? ReplayBody = null, Func<AppDbContext, CancellationToken, Task>? AlsoWrite = null);

/// <summary>
/// Writes a receipt atomically with its money: in one transaction the hold is posted for the charge (the rest
/// returns) or voided, the record and its paid-by parts are inserted, the key's spend and the budgets (or the sponsor's limit)
/// move from reserved to spent, the key's tokens this minute fall to the actual use and its concurrency lease ends, and the idempotency claim is completed or released. The transfers' reference is the receipt id.
/// The <see cref="RequestRecord"/> is built here, once, from the request's facts.
/// </summary>
public sealed class ReceiptWriter(WriteTransaction writes, HoldService holds, GatewayMetrics metrics, TimeProvider time)
{
    public async Task<RequestRecord> WriteAsync(GatewayRequest request, ReceiptFacts facts, CancellationToken ct = default)
    {
        using var span = GatewayTracing.Start(GatewayTracing.Settlement);
        // Handed over only once committed: a receipt that cannot be written leaves the request to release them.
        var (placed, claim, limit) = (request.Hold, request.IdempotencyClaim, request.RateLimit);
        var record = RecordOf(request, facts);
        var written = await writes.RunAsync((db, token) => WriteAsync(db, record, placed, claim, limit, facts, Payment.Hold, token), ct);
        // The sweeper expired the hold first (the answer outlived it): the money went back, so the answer is charged
        // afresh from the wallet; only when the wallet can no longer pay is it free, and the receipt says why.
        if (!written && placed is { Sponsor: null } && facts.Decision.Cost > 0)
            written = await writes.RunAsync((db, token) => WriteAsync(db, record, placed, claim, limit, facts, Payment.Afresh, token), ct);
        if (!written) await writes.RunAsync((db, token) => WriteAsync(db, record, placed, claim, limit, facts, Payment.None, token), ct);
        request.HandToReceipt();
        metrics.Receipt(record);
        return record;
    }

    /// <summary>How the receipt's charge is paid: from its hold, by a fresh charge after the hold expired, or not at all.</summary>
    private enum Payment { Hold, Afresh, None }

    /// <summary>One attempt at the receipt's transaction; rolls back with false when it cannot be paid that way.</summary>
    private async Task<WriteOutcome<bool>> WriteAsync(AppDbContext db, RequestRecord record, PlacedHold? placed, Guid? claim, RateLimitHold? limit,
        ReceiptFacts facts, Payment payment, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var decision = facts.Decision;
        var (status, reason, cost) = payment == Payment.None ? (decision.Status, ReceiptReasons.HoldExpired, 0L) : (decision.Status, decision.Reason, decision.Cost);
        Guid? txId = null;
        IReadOnlyList<ChargePart> charges = [];
        if (payment == Payment.Afresh)
        {
            txId = Guid.CreateVersion7();
            var charged = await holds.ChargeNowAsync(db, txId.Value, record.UserId, placed!.Hold.Kind, cost, record.Id.ToString(), ct);
            if (!charged.Succeeded) return Write.Rollback(false);
            charges = charged.Value!;
        }
        else if (placed is { Hold.Parts.Count: > 0 } && payment == Payment.Hold)
        {
            txId = Guid.CreateVersion7();
            var settled = await holds.SettleAsync(db, txId.Value, placed.Hold, cost, record.Id.ToString(), ct);
            if (!settled.Succeeded)
            {
                if (settled.Error == LedgerErrors.PendingExpired || LedgerErrors.IsAlreadyResolved(settled.Error)) return Write.Rollback(false);
                throw new InvalidOperationException($"Settling the hold of receipt {record.Id} failed: {settled.Error}");
            }
            charges = settled.Value!;
        }

        record.Finish(status, reason, txId, charges.Select((c, i) => new RequestCharge(Guid.CreateVersion7(), record.Id, i, c.GrantId, c.BucketKey,
            c.SourceLabel, c.TransferId, c.Amount)), now);
        await BulkInsert.InsertAsync(db, [record], record.Attempts, record.Charges, ct);
        // A fresh charge must still fit the key's spend limit; if it does not, the answer is free after all.
        if (record.ApiKeyId is { } key && !await ApiKeySpend.SettleAsync(db, key, placed?.KeyReservation, record.Cost, ct, refuseOverLimit: payment == Payment.Afresh))
            return Write.Rollback(false);
        // And the budgets: a fresh charge a budget no longer covers is free too.
        if (placed?.Budgets is { } budgets && !await BudgetSpend.SettleAsync(db, budgets, record.Cost, refuseOverLimit: payment == Payment.Afresh, ct))
            return Write.Rollback(false);
        if (placed?.Sponsor is { } sponsor) await sponsor.SettleAsync(db, record, placed.WorstCase, ct);
        if (limit is not null) await ApiKeyRateLimiter.SettleAsync(db, limit, record.PromptTokens + record.CompletionTokens, ct);
        if (facts.AlsoWrite is { } alsoWrite) await alsoWrite(db, ct);
        if (claim is { } claimId)
        {
            if (record.Status == RequestStatus.Failed) await IdempotencyStore.ReleaseAsync(db, claimId, ct);
            else await IdempotencyStore.CompleteAsync(db, claimId, facts.ReplayBody is null ? null : 200, facts.ReplayBody, record.Cost, now, ct);
        }
        return Write.Commit(true);
    }

    private static RequestRecord RecordOf(GatewayRequest request, ReceiptFacts facts)
    {
        var caller = request.Caller;
        var record = new RequestRecord(request.ReceiptId, caller.RequestId, caller.UserId, caller.Source, request.Endpoint, request.Model.Id, request.StartedAt);
        record.IssuedWith(caller.Key?.KeyId, caller.Key?.Prefix, request.Stream, caller.ClientIp);
        foreach (var a in request.Attempts) record.Tried(a.Route, a.Result, a.UpstreamStatus, a.Error, a.LatencyMs, a.TimeToFirstTokenMs);
        record.RoutedTo(facts.Route);
        if (caller.Tier is { } tier) record.PricedFor(tier);
        record.Held(facts.Held);
        record.CappedOutput(request.OutputCappedTo);
        var decision = facts.Decision;
        record.Counted(decision.Tokens, decision.Estimated);
        record.Timed(facts.LatencyMs, facts.TimeToFirstTokenMs);
        if (facts.UpstreamStatus is not null || facts.UpstreamError is not null) record.UpstreamFailed(facts.UpstreamStatus, facts.UpstreamError);
        return record;
    }
}
