using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>
/// The entry point for money movements that stand alone: each batch commits atomically in its own
/// transaction. Callers that must write business rows in the same transaction use <see cref="LedgerWriter"/>.
/// </summary>
public sealed class LedgerService(WriteTransaction writes, LedgerWriter writer)
{
    /// <summary>
    /// Submits one transfer as its own transaction. The transaction id is the transfer id, so a replay of the
    /// same spec is recognised as the same request (a fresh id here would make every replay look different).
    /// </summary>
    public Task<LedgerOutcome> SubmitAsync(TransferSpec transfer, CancellationToken ct = default) =>
        SubmitAsync(transfer.Id, [transfer], ct);

    /// <summary>
    /// Commits the batch when every transfer was created; otherwise nothing of it is kept. After a race (the same id
    /// inserted or the same hold resolved by another writer) the next look answers AlreadyApplied or a precise error.
    /// </summary>
    public Task<LedgerOutcome> SubmitAsync(Guid txId, IReadOnlyList<TransferSpec> batch, CancellationToken ct = default) =>
        writes.RunAsync(async (db, token) =>
        {
            var outcome = await writer.ApplyAsync(db, txId, batch, token);
            return new WriteOutcome<LedgerOutcome>(outcome, outcome.Status == LedgerStatus.Created);
        }, ct);
}
