namespace TokensForge.Core.Ledger;

/// <summary>What a transfer does to money, for people reading the ledger.</summary>
public enum TransferCode
{
    Grant,
    Redeem,
    TopUp,
    Charge,
    Refund,
    Expire,
    Adjust,
    Reversal,
}

/// <summary>The two-phase state machine, as in TigerBeetle.</summary>
[Flags]
public enum TransferFlags
{
    /// <summary>A single-phase transfer, posted at once.</summary>
    None = 0,

    /// <summary>Reserves the amount: counts against the debit account's balance until resolved.</summary>
    Pending = 1,

    /// <summary>Resolves a pending transfer by posting an amount up to the pending amount.</summary>
    PostPending = 2,

    /// <summary>Resolves a pending transfer by releasing it.</summary>
    VoidPending = 4,

    /// <summary>Resolves a pending transfer whose timeout passed (written by the hold sweeper).</summary>
    ExpirePending = 8,
}

/// <summary>
/// One movement between two accounts. Append-only: never updated or deleted (database triggers refuse it);
/// mistakes are corrected by a reversal. The client-made <see cref="Id"/> is the idempotency key.
/// </summary>
public sealed class Transfer
{
    private Transfer() { }

    internal Transfer(Guid id, Guid txId, Guid debitAccountId, Guid creditAccountId, long amount, TransferCode code,
        TransferFlags flags, Guid? pendingId, DateTime? expiresAt, Guid? reversalOf, string? reference, string? memo, DateTime createdAt)
    {
        Id = id;
        TxId = txId;
        DebitAccountId = debitAccountId;
        CreditAccountId = creditAccountId;
        Amount = amount;
        Code = code;
        Flags = flags;
        PendingId = pendingId;
        ExpiresAt = expiresAt;
        ReversalOf = reversalOf;
        Reference = reference;
        Memo = memo;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }

    /// <summary>Groups the transfers of one money movement, committed atomically.</summary>
    public Guid TxId { get; private set; }

    public Guid DebitAccountId { get; private set; }
    public Guid CreditAccountId { get; private set; }
    public long Amount { get; private set; }
    public TransferCode Code { get; private set; }
    public TransferFlags Flags { get; private set; }

    /// <summary>For post/void/expire: the pending transfer resolved. Unique, so a hold resolves once.</summary>
    public Guid? PendingId { get; private set; }

    /// <summary>For pending transfers: when the sweeper may expire the hold.</summary>
    public DateTime? ExpiresAt { get; private set; }

    /// <summary>For reversals: the transfer reversed. Unique, so nothing is reversed twice.</summary>
    public Guid? ReversalOf { get; private set; }

    /// <summary>The business record behind the movement: a receipt, redemption, top-up or audit id.</summary>
    public string? Reference { get; private set; }

    public string? Memo { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public bool IsPending => Flags.HasFlag(TransferFlags.Pending);
    public bool ResolvesPending => (Flags & (TransferFlags.PostPending | TransferFlags.VoidPending | TransferFlags.ExpirePending)) != 0;
}
