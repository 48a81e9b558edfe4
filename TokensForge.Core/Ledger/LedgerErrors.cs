using TokensForge.Core.Common;

namespace TokensForge.Core.Ledger;

/// <summary>The ledger's expected failures. Each leaves the database as it was.</summary>
public static class LedgerErrors
{
    public static readonly Error InsufficientBalance = new("insufficient_balance", "The balance is too low for this amount.");
    public static readonly Error AccountNotFound = new("account_not_found", "A ledger account of this transfer does not exist.");
    public static readonly Error InvalidAmount = new("invalid_amount", "The amount must be a positive number of micro-units.");
    public static readonly Error InvalidFlags = new("invalid_flags",
        "These flags do not make a transfer: a new transfer is single-phase or pending, a hold is posted, voided or expired through its id, and a reversal has no flags.");
    public static readonly Error SameAccount = new("same_account", "A transfer must move money between two different accounts.");
    public static readonly Error PendingNotFound = new("pending_not_found", "The hold to resolve does not exist.");
    public static readonly Error PendingAlreadyPosted = new("pending_already_posted", "The hold was already posted.");
    public static readonly Error PendingAlreadyVoided = new("pending_already_voided", "The hold was already voided.");
    public static readonly Error PendingAlreadyExpired = new("pending_already_expired", "The hold already expired and its amount went back.");
    public static readonly Error PendingExpired = new("pending_expired", "The hold's timeout passed; it can no longer be posted.");
    public static readonly Error PendingNotExpired = new("pending_not_expired", "The hold's timeout has not passed yet.");
    public static readonly Error AmountExceedsPending = new("amount_exceeds_pending", "A hold cannot be posted for more than it reserved.");
    public static readonly Error TransferNotFound = new("transfer_not_found", "The transfer to reverse does not exist.");
    public static readonly Error NotReversible = new("not_reversible", "Only posted transfers can be reversed; holds are voided instead.");
    public static readonly Error AlreadyReversed = new("already_reversed", "This transfer was already reversed.");

    // A replay (a transfer id seen before) that is not the same request, named by the first field that differs, as
    // TigerBeetle's exists_with_different_* results: the caller learns which part of its retry changed.
    public static readonly Error ExistsWithDifferentFlags = Differs("flags", "flags");
    public static readonly Error ExistsWithDifferentPendingId = Differs("pending_id", "hold to resolve");
    public static readonly Error ExistsWithDifferentReversal = Differs("reversal", "transfer to reverse");
    public static readonly Error ExistsWithDifferentDebitAccount = Differs("debit_account", "debit account");
    public static readonly Error ExistsWithDifferentCreditAccount = Differs("credit_account", "credit account");
    public static readonly Error ExistsWithDifferentAmount = Differs("amount", "amount");
    public static readonly Error ExistsWithDifferentExpiry = Differs("expiry", "expiry");
    public static readonly Error ExistsWithDifferentCode = Differs("code", "code");
    public static readonly Error ExistsWithDifferentReference = Differs("reference", "reference");
    public static readonly Error ExistsWithDifferentTransaction = Differs("transaction", "transaction id");
    public static readonly Error ExistsWithDifferentUser = Differs("user", "user (the grant belongs to another account)");
    public static readonly Error ExistsWithDifferentBucket = Differs("bucket", "balance bucket");
    public static readonly Error ExistsWithDifferentBatch = new("exists_with_different_batch",
        "Part of this batch already exists: a replay must repeat exactly the transfers of the first submission.");

    /// <summary>
    /// Whether the hold was resolved already (posted, voided or expired): for a caller that only wants it closed, the
    /// outcome it wanted.
    /// </summary>
    public static bool IsAlreadyResolved(Error? error) => error == PendingAlreadyPosted || error == PendingAlreadyVoided || error == PendingAlreadyExpired;

    /// <summary>The error for a resolution refused because an earlier one with <paramref name="flags"/> closed the hold.</summary>
    internal static Error AlreadyResolvedBy(TransferFlags flags) => flags switch
    {
        TransferFlags.PostPending => PendingAlreadyPosted,
        TransferFlags.VoidPending => PendingAlreadyVoided,
        _ => PendingAlreadyExpired,
    };

    private static Error Differs(string field, string words) =>
        new($"exists_with_different_{field}", $"A transfer with this id already exists with a different {words}.");
}

/// <summary>How a submitted batch ended.</summary>
public enum LedgerStatus
{
    /// <summary>The batch moved money now.</summary>
    Created,

    /// <summary>Every transfer of the batch already existed with the same fields; nothing moved again.</summary>
    AlreadyApplied,

    /// <summary>Refused; see the error. Nothing moved.</summary>
    Failed,
}

/// <summary>The result of one batch: its status, and for failures the error and the index of the transfer that failed.</summary>
public sealed record LedgerOutcome(LedgerStatus Status, Error? Error = null, int FailedIndex = -1)
{
    public bool Succeeded => Status != LedgerStatus.Failed;
    public static readonly LedgerOutcome Created = new(LedgerStatus.Created);
    public static readonly LedgerOutcome AlreadyApplied = new(LedgerStatus.AlreadyApplied);
    public static LedgerOutcome Fail(Error error, int index) => new(LedgerStatus.Failed, error, index);
}

/// <summary>Thrown inside a caller's transaction to make it roll back; carries the ledger's failure.</summary>
public sealed class LedgerRejectedException(LedgerOutcome outcome) : Exception(outcome.Error?.ToString());
