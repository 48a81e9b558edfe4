namespace TokensForge.Core.Ledger;

/// <summary>What a caller asks the ledger to do. Build with the factory methods; the id is the idempotency key.</summary>
public sealed record TransferSpec
{
    private TransferSpec() { }

    public required Guid Id { get; init; }
    public Guid DebitAccountId { get; init; }
    public Guid CreditAccountId { get; init; }

    /// <summary>For post: the amount to post (≤ the pending amount). Ignored for void, expire and reversal.</summary>
    public long Amount { get; init; }

    public TransferCode Code { get; init; }
    public TransferFlags Flags { get; init; }
    public Guid? PendingId { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public Guid? ReversalOf { get; init; }
    public string? Reference { get; init; }
    public string? Memo { get; init; }

    public static TransferSpec Single(Guid id, Guid debit, Guid credit, long amount, TransferCode code, string? reference = null, string? memo = null) =>
        new() { Id = id, DebitAccountId = debit, CreditAccountId = credit, Amount = amount, Code = code, Reference = reference, Memo = memo };

    /// <summary>A hold: reserves <paramref name="amount"/> on the debit account until posted, voided or expired.</summary>
    public static TransferSpec Pending(Guid id, Guid debit, Guid credit, long amount, TransferCode code, DateTime? expiresAt, string? reference = null) =>
        new() { Id = id, DebitAccountId = debit, CreditAccountId = credit, Amount = amount, Code = code, Flags = TransferFlags.Pending, ExpiresAt = expiresAt, Reference = reference };

    public static TransferSpec Post(Guid id, Guid pendingId, long amount, string? reference = null) =>
        new() { Id = id, PendingId = pendingId, Amount = amount, Flags = TransferFlags.PostPending, Reference = reference };

    public static TransferSpec Void(Guid id, Guid pendingId, string? reference = null) =>
        new() { Id = id, PendingId = pendingId, Flags = TransferFlags.VoidPending, Reference = reference };

    /// <summary>Written by the hold sweeper once a hold's timeout passed.</summary>
    public static TransferSpec ExpireHold(Guid id, Guid pendingId) =>
        new() { Id = id, PendingId = pendingId, Flags = TransferFlags.ExpirePending };

    /// <summary>Moves the full amount of a posted transfer back the other way.</summary>
    public static TransferSpec Reverse(Guid id, Guid transferId, string? reference = null, string? memo = null) =>
        new() { Id = id, ReversalOf = transferId, Code = TransferCode.Reversal, Reference = reference, Memo = memo };
}
