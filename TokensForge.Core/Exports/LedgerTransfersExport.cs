using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Exports;

/// <summary>One ledger transfer. <c>posted_micros</c> is what it moved between posted balances (0 for a hold, a void or an expiry).</summary>
[CsvRecord]
public sealed partial record LedgerTransferRow
{
    [CsvColumn("transfer_id")] public Guid TransferId { get; init; }
    [CsvColumn("tx_id")] public Guid TxId { get; init; }
    [CsvColumn("created_at_utc")] public DateTime CreatedAt { get; init; }
    [CsvColumn("code")] public string Code { get; init; } = "";
    [CsvColumn("state")] public string State { get; init; } = "";
    [CsvColumn("debit_account")] public string DebitAccount { get; init; } = "";
    [CsvColumn("debit_user_id")] public string? DebitUserId { get; init; }
    [CsvColumn("debit_bucket")] public string? DebitBucket { get; init; }
    [CsvColumn("credit_account")] public string CreditAccount { get; init; } = "";
    [CsvColumn("credit_user_id")] public string? CreditUserId { get; init; }
    [CsvColumn("credit_bucket")] public string? CreditBucket { get; init; }
    [CsvColumn("amount_yuan"), CsvConverter(typeof(YuanConverter))] public decimal AmountYuan { get; init; }
    [CsvColumn("amount_micros")] public long AmountMicros { get; init; }
    [CsvColumn("posted_micros")] public long PostedMicros { get; init; }
    [CsvColumn("pending_id")] public Guid? PendingId { get; init; }
    [CsvColumn("reversal_of")] public Guid? ReversalOf { get; init; }
    [CsvColumn("hold_expires_at_utc")] public DateTime? ExpiresAt { get; init; }
    [CsvColumn("reference")] public string? Reference { get; init; }
    [CsvColumn("memo")] public string? Memo { get; init; }
}

/// <summary>Every ledger transfer created in the range, oldest first, with both accounts and the grants' owners and buckets.</summary>
public sealed class LedgerTransfersExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<LedgerTransferRow>(contexts)
{
    public override string Name => "ledger";
    public override string Title => "Ledger transfers";
    public override string Description => "Every transfer between ledger accounts: grants, top-ups, charges, holds, expiries, refunds, reversals.";

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await db.Transfers.LongCountAsync(t => t.CreatedAt >= range.From && t.CreatedAt < range.To, ct);

    protected override IAsyncEnumerable<LedgerTransferRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        Project(db, db.Transfers.Where(t => t.CreatedAt >= range.From && t.CreatedAt < range.To)).AsAsyncEnumerable();

    /// <summary>The transfers as CSV rows, oldest first: the finance export and a user's own export share the columns.</summary>
    public static IQueryable<LedgerTransferRow> Project(AppDbContext db, IQueryable<Transfer> transfers) =>
        from t in transfers
        join debit in db.LedgerAccounts on t.DebitAccountId equals debit.Id
        join credit in db.LedgerAccounts on t.CreditAccountId equals credit.Id
        join dg in db.CreditGrants on t.DebitAccountId equals dg.AccountId into debitGrants
        from dg in debitGrants.DefaultIfEmpty()
        join cg in db.CreditGrants on t.CreditAccountId equals cg.AccountId into creditGrants
        from cg in creditGrants.DefaultIfEmpty()
        orderby t.CreatedAt, t.Id
        select new LedgerTransferRow
        {
            TransferId = t.Id,
            TxId = t.TxId,
            CreatedAt = t.CreatedAt,
            Code = CodeName(t.Code),
            State = StateName(t.Flags),
            DebitAccount = debit.Address,
            DebitUserId = debit.UserId,
            DebitBucket = dg == null ? null : dg.BucketKey,
            CreditAccount = credit.Address,
            CreditUserId = credit.UserId,
            CreditBucket = cg == null ? null : cg.BucketKey,
            AmountYuan = YuanConverter.Yuan(t.Amount),
            AmountMicros = t.Amount,
            PostedMicros = t.Flags == TransferFlags.None || t.Flags == TransferFlags.PostPending ? t.Amount : 0,
            PendingId = t.PendingId,
            ReversalOf = t.ReversalOf,
            ExpiresAt = t.ExpiresAt,
            Reference = t.Reference,
            Memo = t.Memo,
        };

    /// <summary>The transfer codes as DESIGN §3 spells them: <c>grant</c>, <c>topup</c>, <c>charge</c>, …</summary>
    public static string CodeName(TransferCode code) => code.ToString().ToLowerInvariant();

    public static string StateName(TransferFlags flags) => flags switch
    {
        TransferFlags.None => "posted",
        TransferFlags.Pending => "pending",
        TransferFlags.PostPending => "post_pending",
        TransferFlags.VoidPending => "void_pending",
        TransferFlags.ExpirePending => "expired_pending",
        _ => flags.ToString().ToLowerInvariant(),
    };
}
