using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Exports;

/// <summary>The credit columns of the report: where money that came into an account came from.</summary>
public enum CreditKind
{
    Starter,
    Campaign,
    TopUp,
    Adjustment,
    Refund,
    Charge,
    Expiry,
    Reversal,
}

/// <summary>The debit columns of the report: what money that left an account went to.</summary>
public enum DebitKind
{
    ChargeOfficial,
    ChargeRouted,
    Expiry,
    Reversal,
    Issued,
    Refund,
}

/// <summary>One account group of the report, with its running sums in µ.</summary>
public sealed class ReconciliationLine
{
    public const string UserScope = "user";
    public const string SystemScope = "system";
    public const string TotalScope = "total";

    public string Scope { get; init; } = "";
    public string Account { get; set; } = "";
    public string? UserId { get; init; }
    public string? UserEmail { get; set; }
    public string? Bucket { get; init; }

    public long Opening { get; set; }
    public long CreditStarter { get; set; }
    public long CreditCampaign { get; set; }
    public long CreditTopUp { get; set; }
    public long CreditAdjustment { get; set; }
    public long CreditRefund { get; set; }
    public long CreditCharge { get; set; }
    public long CreditExpiry { get; set; }
    public long CreditReversal { get; set; }
    public long DebitChargeOfficial { get; set; }
    public long DebitChargeRouted { get; set; }
    public long DebitExpiry { get; set; }
    public long DebitReversal { get; set; }
    public long DebitIssued { get; set; }
    public long DebitRefund { get; set; }

    /// <summary>Posted balance at the end of the range, summed straight from the transfers before it.</summary>
    public long Closing { get; set; }

    /// <summary>The ledger's own balance at the end of the range: the account counters less what moved after it.</summary>
    public long Ledger { get; set; }

    public long Credits => CreditStarter + CreditCampaign + CreditTopUp + CreditAdjustment + CreditRefund + CreditCharge + CreditExpiry + CreditReversal;
    public long Debits => DebitChargeOfficial + DebitChargeRouted + DebitExpiry + DebitReversal + DebitIssued + DebitRefund;

    /// <summary>For the total line: set when any line's check failed.</summary>
    public bool AnyLineBroken { get; set; }

    public bool IsOk => Scope == TotalScope
        ? !AnyLineBroken && Opening == 0 && Closing == 0 && Ledger == 0 && Credits == Debits
        : Opening + Credits - Debits == Closing && Closing == Ledger;

    public string Check => IsOk ? "ok" : "MISMATCH";

    public bool IsQuiet => Opening == 0 && Credits == 0 && Debits == 0 && Closing == 0 && Ledger == 0;

    internal void Add(CreditKind kind, long amount)
    {
        switch (kind)
        {
            case CreditKind.Starter: CreditStarter += amount; break;
            case CreditKind.Campaign: CreditCampaign += amount; break;
            case CreditKind.TopUp: CreditTopUp += amount; break;
            case CreditKind.Adjustment: CreditAdjustment += amount; break;
            case CreditKind.Refund: CreditRefund += amount; break;
            case CreditKind.Charge: CreditCharge += amount; break;
            case CreditKind.Expiry: CreditExpiry += amount; break;
            default: CreditReversal += amount; break;
        }
    }

    internal void Add(DebitKind kind, long amount)
    {
        switch (kind)
        {
            case DebitKind.ChargeOfficial: DebitChargeOfficial += amount; break;
            case DebitKind.ChargeRouted: DebitChargeRouted += amount; break;
            case DebitKind.Expiry: DebitExpiry += amount; break;
            case DebitKind.Reversal: DebitReversal += amount; break;
            case DebitKind.Issued: DebitIssued += amount; break;
            default: DebitRefund += amount; break;
        }
    }

    internal void AddTo(ReconciliationLine total)
    {
        total.Opening += Opening;
        total.CreditStarter += CreditStarter;
        total.CreditCampaign += CreditCampaign;
        total.CreditTopUp += CreditTopUp;
        total.CreditAdjustment += CreditAdjustment;
        total.CreditRefund += CreditRefund;
        total.CreditCharge += CreditCharge;
        total.CreditExpiry += CreditExpiry;
        total.CreditReversal += CreditReversal;
        total.DebitChargeOfficial += DebitChargeOfficial;
        total.DebitChargeRouted += DebitChargeRouted;
        total.DebitExpiry += DebitExpiry;
        total.DebitReversal += DebitReversal;
        total.DebitIssued += DebitIssued;
        total.DebitRefund += DebitRefund;
        total.Closing += Closing;
        total.Ledger += Ledger;
        if (!IsOk) total.AnyLineBroken = true;
    }
}

/// <summary>The report: system accounts, then each user's buckets, then the system-wide total.</summary>
public sealed record ReconciliationReport(ExportRange Range, IReadOnlyList<ReconciliationLine> Lines, ReconciliationLine Total)
{
    public bool Ok => Total.IsOk;
}

/// <summary>
/// Reconciles the ledger for a range from its transfers alone: per user bucket (the sum of the user's grant accounts
/// in it) and per system account, the opening balance, credits by source, debits by kind and the closing balance,
/// checked against the ledger's account counters. Only posted movements count (posts of holds included; holds,
/// voids and expiries of holds move no posted balance). Aggregation happens in the database; memory grows with the
/// number of lines, not of transfers.
/// </summary>
public sealed class ReconciliationService(IDbContextFactory<AppDbContext> contexts)
{
    private const int Before = 0, Within = 1, After = 2;

    private readonly record struct GroupKey(Guid? AccountId, string? UserId, string? Bucket);

    public static CreditKind Classify(TransferCode code, GrantSource? source) => code switch
    {
        TransferCode.Grant or TransferCode.Redeem or TransferCode.TopUp or TransferCode.Adjust => source switch
        {
            GrantSource.Starter => CreditKind.Starter,
            GrantSource.Campaign => CreditKind.Campaign,
            GrantSource.TopUp => CreditKind.TopUp,
            GrantSource.Adjustment => CreditKind.Adjustment,
            _ => code switch
            {
                TransferCode.TopUp => CreditKind.TopUp,
                TransferCode.Adjust => CreditKind.Adjustment,
                _ => CreditKind.Campaign,
            },
        },
        TransferCode.Refund => CreditKind.Refund,
        TransferCode.Charge => CreditKind.Charge,
        TransferCode.Expire => CreditKind.Expiry,
        _ => CreditKind.Reversal,
    };

    public static DebitKind Classify(TransferCode code, bool toOfficialRevenue) => code switch
    {
        TransferCode.Charge => toOfficialRevenue ? DebitKind.ChargeOfficial : DebitKind.ChargeRouted,
        TransferCode.Expire => DebitKind.Expiry,
        TransferCode.Reversal => DebitKind.Reversal,
        TransferCode.Refund => DebitKind.Refund,
        _ => DebitKind.Issued,
    };

    public async Task<ReconciliationReport> BuildAsync(ExportRange range, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var (start, end) = (range.From, range.To);
        var lines = new Dictionary<GroupKey, ReconciliationLine>();

        ReconciliationLine Line(GroupKey key) => lines.TryGetValue(key, out var line) ? line : lines[key] = new ReconciliationLine
        {
            Scope = key.AccountId is null ? ReconciliationLine.UserScope : ReconciliationLine.SystemScope,
            UserId = key.UserId,
            Bucket = key.Bucket,
        };

        var posted = db.Transfers.Where(t => t.Flags == TransferFlags.None || t.Flags == TransferFlags.PostPending);

        var credits = await (
            from t in posted
            join g in db.CreditGrants on t.CreditAccountId equals g.AccountId into grants
            from g in grants.DefaultIfEmpty()
            group t.Amount by new
            {
                AccountId = g == null ? (Guid?)t.CreditAccountId : null,
                UserId = g == null ? null : g.UserId,
                Bucket = g == null ? null : g.BucketKey,
                Source = g == null ? (GrantSource?)null : g.Source,
                t.Code,
                Period = t.CreatedAt < start ? Before : t.CreatedAt < end ? Within : After,
            } into sums
            select new { sums.Key.AccountId, sums.Key.UserId, sums.Key.Bucket, sums.Key.Source, sums.Key.Code, sums.Key.Period, Amount = sums.Sum() })
            .ToListAsync(ct);

        var debits = await (
            from t in posted
            join g in db.CreditGrants on t.DebitAccountId equals g.AccountId into grants
            from g in grants.DefaultIfEmpty()
            group t.Amount by new
            {
                AccountId = g == null ? (Guid?)t.DebitAccountId : null,
                UserId = g == null ? null : g.UserId,
                Bucket = g == null ? null : g.BucketKey,
                t.Code,
                Official = t.CreditAccountId == SystemAccounts.RevenueOfficialId,
                Period = t.CreatedAt < start ? Before : t.CreatedAt < end ? Within : After,
            } into sums
            select new { sums.Key.AccountId, sums.Key.UserId, sums.Key.Bucket, sums.Key.Code, sums.Key.Official, sums.Key.Period, Amount = sums.Sum() })
            .ToListAsync(ct);

        // The balance now, straight from the account counters (invariant 2 says they equal the fold of the transfers).
        var balances = await (
            from a in db.LedgerAccounts
            join g in db.CreditGrants on a.Id equals g.AccountId into grants
            from g in grants.DefaultIfEmpty()
            group a.CreditsPosted - a.DebitsPosted by new
            {
                AccountId = g == null ? (Guid?)a.Id : null,
                UserId = g == null ? null : g.UserId,
                Bucket = g == null ? null : g.BucketKey,
            } into sums
            select new { sums.Key.AccountId, sums.Key.UserId, sums.Key.Bucket, Balance = sums.Sum() })
            .ToListAsync(ct);

        foreach (var b in balances) Line(new GroupKey(b.AccountId, b.UserId, b.Bucket)).Ledger += b.Balance;
        foreach (var c in credits)
        {
            var line = Line(new GroupKey(c.AccountId, c.UserId, c.Bucket));
            switch (c.Period)
            {
                case Before: line.Opening += c.Amount; line.Closing += c.Amount; break;
                case Within: line.Add(Classify(c.Code, c.Source), c.Amount); line.Closing += c.Amount; break;
                default: line.Ledger -= c.Amount; break;
            }
        }
        foreach (var d in debits)
        {
            var line = Line(new GroupKey(d.AccountId, d.UserId, d.Bucket));
            switch (d.Period)
            {
                case Before: line.Opening -= d.Amount; line.Closing -= d.Amount; break;
                case Within: line.Add(Classify(d.Code, d.Official), d.Amount); line.Closing -= d.Amount; break;
                default: line.Ledger += d.Amount; break;
            }
        }

        var system = await db.LedgerAccounts.Where(a => !db.CreditGrants.Any(g => g.AccountId == a.Id))
            .Select(a => new { a.Id, a.Address }).ToDictionaryAsync(a => a.Id, a => a.Address, ct);
        var userIds = lines.Keys.Where(k => k.UserId is not null).Select(k => k.UserId!).ToHashSet();
        var emails = new Dictionary<string, string?>();
        await foreach (var user in db.Users.Select(u => new { u.Id, u.Email }).AsAsyncEnumerable().WithCancellation(ct))
            if (userIds.Contains(user.Id)) emails[user.Id] = user.Email;

        foreach (var (key, line) in lines)
        {
            if (key.AccountId is { } id) line.Account = system.GetValueOrDefault(id) ?? id.ToString();
            else
            {
                line.Account = $"user:{key.UserId}:bucket:{key.Bucket}";
                line.UserEmail = emails.GetValueOrDefault(key.UserId!);
            }
        }

        var ordered = lines.Values
            .Where(l => l.Scope == ReconciliationLine.SystemScope || !l.IsQuiet)
            .OrderBy(l => l.Scope == ReconciliationLine.SystemScope ? 0 : 1)
            .ThenBy(l => l.Scope == ReconciliationLine.SystemScope ? l.Account : l.UserEmail ?? l.UserId, StringComparer.Ordinal)
            .ThenBy(l => l.UserId, StringComparer.Ordinal)
            .ThenBy(l => l.Bucket, StringComparer.Ordinal)
            .ToList();
        var total = new ReconciliationLine { Scope = ReconciliationLine.TotalScope, Account = "all accounts" };
        // Quiet lines are left out of the file but still count towards the total, which must be zero system-wide.
        foreach (var line in lines.Values) line.AddTo(total);
        return new ReconciliationReport(range, ordered, total);
    }
}

/// <summary>The reconciliation report as a dataset: one row per line, then the total row.</summary>
public sealed class ReconciliationExport(ReconciliationService reconciliation) : IExportDataset
{
    public string Name => "reconciliation";
    public string Title => "Reconciliation report";
    public string Description => "Per user bucket and system account: opening, credits by source, debits by kind, closing, check; and the system-wide total.";

    public Task<long?> CountAsync(ExportRange range, CancellationToken ct = default) => Task.FromResult<long?>(null);

    public async Task<long> WriteAsync(CsvHelper.CsvWriter csv, ExportRange range, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        var report = await reconciliation.BuildAsync(range, ct);
        csv.WriteHeader<ReconciliationRow>();
        long rows = 0;
        foreach (var line in report.Lines.Append(report.Total))
        {
            await csv.WriteRecordAsync(ReconciliationRow.Of(line, range), ct);
            rows++;
        }
        await csv.FlushAsync(ct);
        progress?.Report(rows);
        return rows;
    }
}
