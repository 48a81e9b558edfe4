namespace TokensForge.Core.Ledger;

/// <summary>
/// A ledger account in the TigerBeetle shape: four cached counters that always equal the fold of the
/// account's transfers. Counters change only through <see cref="LedgerWriter"/>'s conditional updates.
/// </summary>
public sealed class LedgerAccount
{
    private LedgerAccount() { }

    public LedgerAccount(Guid id, string address, bool debitsMustNotExceedCredits, string? userId, DateTime createdAt)
    {
        Id = id;
        Address = address;
        DebitsMustNotExceedCredits = debitsMustNotExceedCredits;
        UserId = userId;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }

    /// <summary>Human-readable, unique: <c>user:{userId}:grant:{grantId}</c>, <c>sys:breakage</c>, …</summary>
    public string Address { get; private set; } = "";

    /// <summary>The owning user for wallet accounts; null for system accounts.</summary>
    public string? UserId { get; private set; }

    /// <summary>Set on every user account (and on budgeted campaign accounts): the balance can never go negative.</summary>
    public bool DebitsMustNotExceedCredits { get; private set; }

    public long DebitsPosted { get; private set; }
    public long CreditsPosted { get; private set; }
    public long DebitsPending { get; private set; }
    public long CreditsPending { get; private set; }

    /// <summary>Bumped by every counter update; lets readers notice a change.</summary>
    public long Version { get; private set; }

    public DateTime CreatedAt { get; private set; }

    /// <summary>Credits minus debits, posted only.</summary>
    public long Balance => CreditsPosted - DebitsPosted;

    /// <summary>What can still be reserved or spent: posted balance less pending debits.</summary>
    public long Available => CreditsPosted - DebitsPosted - DebitsPending;
}
