using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;

namespace TokensForge.Tests.Ledger;

/// <summary>An account's counters in the model.</summary>
internal sealed class ModelAccount(bool noOverdraft, string? userId)
{
    public long DebitsPosted, CreditsPosted, DebitsPending, CreditsPending;
    public bool NoOverdraft { get; } = noOverdraft;
    public string? UserId { get; } = userId;
    public long Available => CreditsPosted - DebitsPosted - DebitsPending;
    public override string ToString() => $"dp={DebitsPosted} cp={CreditsPosted} dpend={DebitsPending} cpend={CreditsPending}";
}

internal sealed record ModelGrant(Guid GrantId, Guid AccountId, string UserId, string Bucket, GrantCategory Category, int Priority,
    DateTime EffectiveAt, DateTime? ExpiresAt, DateTime CreatedAt);

/// <summary>A pending transfer the model knows of.</summary>
internal sealed record ModelHold(Guid Id, Guid Debit, Guid Credit, long Amount, DateTime? ExpiresAt)
{
    public bool ExpiredAt(DateTime now) => ExpiresAt is { } due && due <= now;
}

/// <summary>A row an operation should add to <c>transfers</c>; the id is null where the service makes it.</summary>
internal sealed record ExpectedRow(Guid? Id, Guid Debit, Guid Credit, long Amount, TransferFlags Flags,
    Guid? PendingId = null, Guid? ReversalOf = null, DateTime? ExpiresAt = null)
{
    public bool Matches(StoredRow row) => (Id is null || Id == row.Id) && Debit == row.Debit && Credit == row.Credit && Amount == row.Amount
        && Flags == row.Flags && PendingId == row.PendingId && ReversalOf == row.ReversalOf && ExpiresAt == row.ExpiresAt;
}

/// <summary>A <c>transfers</c> row as stored, every column the ledger writes.</summary>
internal sealed record StoredRow(Guid Id, Guid TxId, Guid Debit, Guid Credit, long Amount, TransferFlags Flags, Guid? PendingId,
    Guid? ReversalOf, DateTime? ExpiresAt, string Code, string? Reference, string? Memo, DateTime CreatedAt);

/// <summary>
/// The plain in-memory model of the ledger the property test drives: counters per account, grants, open and
/// resolved holds, the accepted rows of <c>transfers</c>. Written from the design, with no database and no
/// production code beyond the enums.
/// </summary>
internal sealed class LedgerModel
{
    public static readonly Guid[] SystemAccountIds =
    [
        SystemAccounts.PaymentsClearingId, SystemAccounts.RevenueOfficialId, SystemAccounts.RevenueRoutedId,
        SystemAccounts.ResearchId, SystemAccounts.BreakageId, SystemAccounts.AdjustmentsId,
    ];

    public Dictionary<Guid, ModelAccount> Accounts { get; } = SystemAccountIds.ToDictionary(id => id, _ => new ModelAccount(false, null));
    public List<ModelGrant> Grants { get; } = [];
    public Dictionary<Guid, ModelHold> OpenHolds { get; } = [];
    public Dictionary<Guid, ModelHold> ResolvedHolds { get; } = [];

    /// <summary>The table as the model accepted it, by id: invariant 7 says these rows never change.</summary>
    public Dictionary<Guid, StoredRow> Rows { get; } = [];

    public HashSet<Guid> Reversed { get; } = [];

    public void AddGrant(ModelGrant grant, long amount, Guid fundedFrom)
    {
        Grants.Add(grant);
        Accounts.Add(grant.AccountId, new ModelAccount(true, grant.UserId));
        Move(fundedFrom, grant.AccountId, amount);
    }

    public void Move(Guid debit, Guid credit, long amount)
    {
        Accounts[debit].DebitsPosted += amount;
        Accounts[credit].CreditsPosted += amount;
    }

    public bool CanDebit(Guid account, long amount) => !Accounts[account].NoOverdraft || Accounts[account].Available >= amount;

    public void Reserve(ModelHold hold)
    {
        Accounts[hold.Debit].DebitsPending += hold.Amount;
        Accounts[hold.Credit].CreditsPending += hold.Amount;
        OpenHolds.Add(hold.Id, hold);
    }

    public void Resolve(ModelHold hold, long posted)
    {
        Accounts[hold.Debit].DebitsPending -= hold.Amount;
        Accounts[hold.Credit].CreditsPending -= hold.Amount;
        Move(hold.Debit, hold.Credit, posted);
        OpenHolds.Remove(hold.Id);
        ResolvedHolds.Add(hold.Id, hold);
    }

    public IEnumerable<OracleGrant> OracleGrants(string userId) => Grants.Where(g => g.UserId == userId).Select(g =>
        new OracleGrant(g.GrantId, g.Bucket, g.Category, g.Priority, g.EffectiveAt, g.ExpiresAt, g.CreatedAt, Accounts[g.AccountId].Available));

    public long Payable(string userId, RouteKind kind, DateTime now) =>
        OracleGrants(userId).Where(g => AllocationOracle.IsEligible(g, kind, now)).Sum(g => g.Available);

    public ModelGrant GrantOf(Guid grantId) => Grants.Single(g => g.GrantId == grantId);
}
