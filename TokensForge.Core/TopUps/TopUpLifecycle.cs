using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.TopUps;

/// <summary>What one payment signal did to its order.</summary>
public sealed record TopUpTransition(TopUpStatus Status, string Outcome, bool Changed)
{
    public static TopUpTransition Ignored(TopUpStatus status, string why) => new(status, $"ignored: {why}", false);
}

/// <summary>
/// The order state machine, applied inside the caller's open transaction. Every step is a conditional update on the
/// order's status whose rows-affected count decides, and ledger transfers use ids derived from the order, so two
/// deliveries of a payment (webhook replays, a webhook racing a manual confirmation, two instances) credit once.
/// </summary>
/// <remarks>
/// pending|failed → paid → credited on a payment; pending → failed on a failure; credited → refunded takes back the
/// unspent part of the grant; a refund of an order not yet credited marks it refunded and a later payment is ignored,
/// which is the right final state whichever order the provider's events arrive in.
/// </remarks>
public sealed class TopUpLifecycle(GrantIssuer issuer, LedgerWriter writer, TimeProvider time)
{
    public async Task<TopUpTransition> PaidAsync(AppDbContext db, Guid orderId, string? providerReference, string? actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claimed = await db.TopUpOrders
            .Where(o => o.Id == orderId && (o.Status == TopUpStatus.Pending || o.Status == TopUpStatus.Failed || o.Status == TopUpStatus.Paid))
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Status, TopUpStatus.Paid)
                .SetProperty(o => o.PaidAt, o => o.PaidAt ?? now)
                .SetProperty(o => o.ProviderReference, o => providerReference ?? o.ProviderReference)
                .SetProperty(o => o.ConfirmedBy, o => actor ?? o.ConfirmedBy), ct);
        var order = await db.TopUpOrders.AsNoTracking().FirstAsync(o => o.Id == orderId, ct);
        if (claimed == 0) return TopUpTransition.Ignored(order.Status, $"order is {Describe(order.Status)}");

        // A savepoint keeps the payment recorded (status paid) when the credit cannot be issued, e.g. the bucket was removed.
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("Top-up transitions need an open transaction.");
        await transaction.CreateSavepointAsync("credit", ct);
        var issued = await issuer.IssueAsync(db, new GrantRequest(order.UserId, order.BucketKey, order.Amount, GrantCategory.Paid, GrantSource.TopUp,
            SourceLabel: $"Top-up {order.Reference}", FundingAccountId: SystemAccounts.PaymentsClearingId, Code: TransferCode.TopUp,
            SourceRef: order.Id.ToString(), Reference: order.Id.ToString(), Memo: $"Top-up {order.Reference} via {order.Provider}"),
            TopUpIds.CreditTransfer(order.Id), ct);
        if (!issued.Succeeded)
        {
            await transaction.RollbackToSavepointAsync("credit", ct);
            return new TopUpTransition(TopUpStatus.Paid, $"paid, not credited: {issued.Error!.Code}", true);
        }

        var grant = issued.Value!;
        var credited = await db.TopUpOrders.Where(o => o.Id == orderId && o.Status == TopUpStatus.Paid)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Status, TopUpStatus.Credited)
                .SetProperty(o => o.CreditedAt, now)
                .SetProperty(o => o.GrantId, grant.GrantId)
                .SetProperty(o => o.CreditTransferId, grant.TransferId), ct);
        if (credited != 1) throw new InvalidOperationException($"Top-up {orderId} changed while it was being credited.");
        return new TopUpTransition(TopUpStatus.Credited, "credited", true);
    }

    public async Task<TopUpTransition> FailedAsync(AppDbContext db, Guid orderId, string? reason, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.TopUpOrders.Where(o => o.Id == orderId && o.Status == TopUpStatus.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.Status, TopUpStatus.Failed)
                .SetProperty(o => o.FailedAt, now)
                .SetProperty(o => o.FailureReason, reason ?? "The payment failed."), ct);
        if (rows == 1) return new TopUpTransition(TopUpStatus.Failed, "failed", true);
        var status = await db.TopUpOrders.Where(o => o.Id == orderId).Select(o => o.Status).FirstAsync(ct);
        return TopUpTransition.Ignored(status, $"order is {Describe(status)}");
    }

    public async Task<TopUpTransition> RefundedAsync(AppDbContext db, Guid orderId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        TopUpOrder order;
        // A payment committed by another instance between the read and the conditional update makes the update miss;
        // reading again (READ COMMITTED sees the new status) applies the refund to what the order has become.
        for (var attempt = 1; ; attempt++)
        {
            order = await db.TopUpOrders.AsNoTracking().FirstAsync(o => o.Id == orderId, ct);
            if (order.Status == TopUpStatus.Refunded) return TopUpTransition.Ignored(order.Status, "order is already refunded");

            var status = order.Status;
            var claimed = await db.TopUpOrders.Where(o => o.Id == orderId && o.Status == status)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, TopUpStatus.Refunded).SetProperty(o => o.RefundedAt, now), ct);
            if (claimed == 1) break;
            if (attempt == 3) return TopUpTransition.Ignored(status, "order kept changing concurrently");
        }

        if (order.Status != TopUpStatus.Credited)
        {
            // Refund before (or instead of) a credit: nothing was credited, so nothing is taken back, and a payment
            // event that arrives later finds the order refunded and changes nothing.
            return new TopUpTransition(TopUpStatus.Refunded, "refunded before credit: nothing to take back", true);
        }

        var accountId = await db.CreditGrants.Where(g => g.Id == order.GrantId).Select(g => g.AccountId).FirstAsync(ct);
        await LedgerWriter.LockAccountsAsync(db, [accountId, SystemAccounts.PaymentsClearingId], ct);
        // Only the unspent, unheld part comes back; what was already spent stays spent and is reported on the order.
        var available = await db.LedgerAccounts.Where(a => a.Id == accountId)
            .Select(a => a.CreditsPosted - a.DebitsPosted - a.DebitsPending).FirstAsync(ct);
        var taken = Math.Clamp(available, 0, order.Amount);
        Guid? transferId = null;
        if (taken > 0)
        {
            transferId = TopUpIds.RefundTransfer(order.Id);
            var outcome = await writer.ApplyAsync(db, Guid.CreateVersion7(),
                [TransferSpec.Single(transferId.Value, accountId, SystemAccounts.PaymentsClearingId, taken, TransferCode.Reversal,
                    reference: order.Id.ToString(), memo: $"Refund of top-up {order.Reference}")], ct);
            if (!outcome.Succeeded) throw new LedgerRejectedException(outcome);
        }
        await db.TopUpOrders.Where(o => o.Id == orderId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(o => o.RefundedAmount, taken)
                .SetProperty(o => o.UnrecoveredAmount, order.Amount - taken)
                .SetProperty(o => o.RefundTransferId, transferId), ct);
        return new TopUpTransition(TopUpStatus.Refunded,
            taken == order.Amount ? "refunded" : $"refunded: {order.Amount - taken} µ already spent or held was not recovered", true);
    }

    private static string Describe(TopUpStatus status) => status.ToString().ToLowerInvariant();
}
