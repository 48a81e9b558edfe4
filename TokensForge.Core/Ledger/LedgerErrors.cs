using TokensForge.Core.Common;

namespace TokensForge.Core.Ledger;

/// <summary>The ledger's expected failures. Each leaves the database as it was.</summary>
public static class LedgerErrors
{
    public static readonly Error InsufficientBalance = new("insufficient_balance", "The balance is too low for this amount.");
    public static readonly Error AccountNotFound = new("account_not_found", "A ledger account of this transfer does not exist.");
    public static readonly Error InvalidAmount = new("invalid_amount", "The amount must be a positive number of micro-units.");
    public static readonly Error SameAccount = new("same_account", "A transfer must move money between two different accounts.");
    public static readonly Error ExistsWithDifferentFields = new("exists_with_different_fields", "A transfer with this id already exists with different fields.");
    public static readonly Error PendingNotFound = new("pending_not_found", "The hold to resolve does not exist.");
    public static readonly Error PendingAlreadyResolved = new("pending_already_resolved", "The hold was already posted, voided or expired.");
    public static readonly Error PendingExpired = new("pending_expired", "The hold's timeout passed; it can no longer be posted.");
    public static readonly Error PendingNotExpired = new("pending_not_expired", "The hold's timeout has not passed yet.");
    public static readonly Error AmountExceedsPending = new("amount_exceeds_pending", "A hold cannot be posted for more than it reserved.");
    public static readonly Error TransferNotFound = new("transfer_not_found", "The transfer to reverse does not exist.");
    public static readonly Error NotReversible = new("not_reversible", "Only posted transfers can be reversed; holds are voided instead.");
    public static readonly Error AlreadyReversed = new("already_reversed", "This transfer was already reversed.");
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
public sealed class LedgerRejectedException(LedgerOutcome outcome) : Exception(outcome.Error?.ToString())
{
    public LedgerOutcome Outcome { get; } = outcome;
}
