using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Receipts;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Exports;

/// <summary>One redemption (starter claim or code) with the grant and transfer it created.</summary>
[CsvRecord]
public sealed partial record RedemptionRow
{
    [CsvColumn("redemption_id")] public Guid Id { get; init; }
    [CsvColumn("claimed_at_utc")] public DateTime ClaimedAt { get; init; }
    [CsvColumn("campaign")] public string Campaign { get; init; } = "";
    [CsvColumn("campaign_kind")] public string CampaignKind { get; init; } = "";
    [CsvColumn("code")] public string? Code { get; init; }
    [CsvColumn("user_id")] public string UserId { get; init; } = "";
    [CsvColumn("user_email")] public string? UserEmail { get; init; }
    [CsvColumn("bucket")] public string Bucket { get; init; } = "";
    [CsvColumn("amount_yuan"), CsvConverter(typeof(YuanConverter))] public decimal AmountYuan { get; init; }
    [CsvColumn("amount_micros")] public long AmountMicros { get; init; }
    [CsvColumn("credit_expires_at_utc")] public DateTime? CreditExpiresAt { get; init; }
    [CsvColumn("pays_official")] public bool PaysOfficial { get; init; }
    [CsvColumn("pays_routed")] public bool PaysRouted { get; init; }
    [CsvColumn("grant_id")] public Guid GrantId { get; init; }
    [CsvColumn("transfer_id")] public Guid TransferId { get; init; }
    [CsvColumn("client_ip")] public string? ClientIp { get; init; }
}

/// <summary>Redemptions claimed in the range, oldest first.</summary>
public sealed class RedemptionsExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<RedemptionRow>(contexts)
{
    public override string Name => "redemptions";
    public override string Title => "Redemptions";
    public override string Description => "Starter claims and redeemed codes with the grant and ledger transfer each created.";

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await db.Redemptions.LongCountAsync(r => r.ClaimedAt >= range.From && r.ClaimedAt < range.To, ct);

    protected override IAsyncEnumerable<RedemptionRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        db.Redemptions.Where(r => r.ClaimedAt >= range.From && r.ClaimedAt < range.To)
            .OrderBy(r => r.ClaimedAt).ThenBy(r => r.Id)
            .Select(r => new RedemptionRow
            {
                Id = r.Id,
                ClaimedAt = r.ClaimedAt,
                Campaign = r.Campaign.Name,
                CampaignKind = r.Campaign.Kind.ToString().ToLower(),
                Code = r.Code == null ? null : r.Code.Code,
                UserId = r.UserId,
                UserEmail = db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault(),
                Bucket = r.BucketKey,
                AmountYuan = YuanConverter.Yuan(r.Amount),
                AmountMicros = r.Amount,
                CreditExpiresAt = r.CreditExpiresAt,
                PaysOfficial = r.PaysOfficial,
                PaysRouted = r.PaysRouted,
                GrantId = r.GrantId,
                TransferId = r.TransferId,
                ClientIp = r.ClientIp,
            })
            .AsAsyncEnumerable();
}

/// <summary>One request record (receipt): what was asked, which route served it, what it cost and which buckets paid.</summary>
[CsvRecord]
public sealed partial record ReceiptRow
{
    [CsvColumn("receipt_id")] public Guid Id { get; init; }
    [CsvColumn("request_id")] public string RequestId { get; init; } = "";
    [CsvColumn("created_at_utc")] public DateTime CreatedAt { get; init; }
    [CsvColumn("user_id")] public string UserId { get; init; } = "";
    [CsvColumn("user_email")] public string? UserEmail { get; init; }
    [CsvColumn("source")] public string Source { get; init; } = "";
    [CsvColumn("api_key_name")] public string? ApiKeyName { get; init; }
    [CsvColumn("api_key_prefix")] public string? ApiKeyPrefix { get; init; }
    [CsvColumn("endpoint")] public string Endpoint { get; init; } = "";
    [CsvColumn("model")] public string Model { get; init; } = "";
    [CsvColumn("route")] public string? Route { get; init; }
    [CsvColumn("route_kind")] public string? RouteKind { get; init; }
    [CsvColumn("simulated")] public bool Simulated { get; init; }
    [CsvColumn("price_snapshot_id")] public Guid? PriceSnapshotId { get; init; }
    [CsvColumn("prompt_tokens")] public int PromptTokens { get; init; }
    [CsvColumn("completion_tokens")] public int CompletionTokens { get; init; }
    [CsvColumn("cached_tokens")] public int CachedTokens { get; init; }
    [CsvColumn("cache_write_5m_tokens")] public int CacheWrite5mTokens { get; init; }
    [CsvColumn("cache_write_1h_tokens")] public int CacheWrite1hTokens { get; init; }
    [CsvColumn("reasoning_tokens")] public int ReasoningTokens { get; init; }
    [CsvColumn("hold_micros")] public long HoldMicros { get; init; }
    [CsvColumn("cost_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CostYuan { get; init; }
    [CsvColumn("cost_micros")] public long CostMicros { get; init; }
    [CsvColumn("paid_starter_micros")] public long PaidStarter { get; init; }
    [CsvColumn("paid_routed_micros")] public long PaidRouted { get; init; }
    [CsvColumn("paid_official_micros")] public long PaidOfficial { get; init; }
    [CsvColumn("paid_research_allowance_micros")] public long PaidResearch { get; init; }
    [CsvColumn("status")] public string Status { get; init; } = "";
    [CsvColumn("reason")] public string Reason { get; init; } = "";
    [CsvColumn("estimated")] public bool Estimated { get; init; }
    [CsvColumn("stream")] public bool Stream { get; init; }
    [CsvColumn("latency_ms")] public int LatencyMs { get; init; }
    [CsvColumn("time_to_first_token_ms")] public int? TimeToFirstTokenMs { get; init; }
    [CsvColumn("upstream_status")] public int? UpstreamStatus { get; init; }
    [CsvColumn("upstream_error")] public string? UpstreamError { get; init; }
    [CsvColumn("ledger_tx_id")] public Guid? LedgerTxId { get; init; }
    [CsvColumn("client_ip")] public string? ClientIp { get; init; }
}

/// <summary>Receipts of the range; <see cref="FailedOnly"/> narrows them to failed requests (nothing charged).</summary>
public abstract class RequestRecordsExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<ReceiptRow>(contexts)
{
    protected abstract bool FailedOnly { get; }

    private IQueryable<RequestRecord> InRange(AppDbContext db, ExportRange range)
    {
        var records = db.RequestRecords.Where(r => r.CreatedAt >= range.From && r.CreatedAt < range.To);
        return FailedOnly ? records.Where(r => r.Status == RequestStatus.Failed) : records;
    }

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await InRange(db, range).LongCountAsync(ct);

    protected override IAsyncEnumerable<ReceiptRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        Project(db, InRange(db, range)).AsAsyncEnumerable();

    /// <summary>The receipts as CSV rows, oldest first: the finance export and a user's own export share the columns.</summary>
    public static IQueryable<ReceiptRow> Project(AppDbContext db, IQueryable<RequestRecord> records) =>
        records
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new ReceiptRow
            {
                Id = r.Id,
                RequestId = r.RequestId,
                CreatedAt = r.CreatedAt,
                UserId = r.UserId,
                UserEmail = db.Users.Where(u => u.Id == r.UserId).Select(u => u.Email).FirstOrDefault(),
                Source = r.Source.ToString().ToLower(),
                ApiKeyName = db.ApiKeys.Where(k => k.Id == r.ApiKeyId).Select(k => k.Name).FirstOrDefault(),
                ApiKeyPrefix = r.ApiKeyPrefix,
                Endpoint = r.Endpoint,
                Model = r.Model,
                Route = r.RouteName,
                RouteKind = r.RouteKind == null ? null : r.RouteKind.ToString()!.ToLower(),
                Simulated = r.Simulated,
                PriceSnapshotId = r.PriceSnapshotId,
                PromptTokens = r.PromptTokens,
                CompletionTokens = r.CompletionTokens,
                CachedTokens = r.CachedTokens,
                CacheWrite5mTokens = r.CacheWrite5mTokens,
                CacheWrite1hTokens = r.CacheWrite1hTokens,
                ReasoningTokens = r.ReasoningTokens,
                HoldMicros = r.HoldAmount,
                CostYuan = YuanConverter.Yuan(r.Cost),
                CostMicros = r.Cost,
                PaidStarter = db.RequestCharges.Where(c => c.RequestRecordId == r.Id && c.BucketKey == Bucket.Starter).Sum(c => (long?)c.Amount) ?? 0,
                PaidRouted = db.RequestCharges.Where(c => c.RequestRecordId == r.Id && c.BucketKey == Bucket.Routed).Sum(c => (long?)c.Amount) ?? 0,
                PaidOfficial = db.RequestCharges.Where(c => c.RequestRecordId == r.Id && c.BucketKey == Bucket.Official).Sum(c => (long?)c.Amount) ?? 0,
                PaidResearch = db.RequestCharges.Where(c => c.RequestRecordId == r.Id && c.BucketKey == Research.ResearchAllowance.BucketKey).Sum(c => (long?)c.Amount) ?? 0,
                Status = r.Status.ToString().ToLower(),
                Reason = r.Reason,
                Estimated = r.Estimated,
                Stream = r.Stream,
                LatencyMs = r.LatencyMs,
                TimeToFirstTokenMs = r.TimeToFirstTokenMs,
                UpstreamStatus = r.UpstreamStatus,
                UpstreamError = r.UpstreamError,
                LedgerTxId = r.LedgerTxId,
                ClientIp = r.ClientIp,
            });
}

/// <summary>Every receipt of the range: succeeded, partial and failed requests.</summary>
public sealed class ReceiptsExport(IDbContextFactory<AppDbContext> contexts) : RequestRecordsExport(contexts)
{
    public override string Name => "receipts";
    public override string Title => "Receipts (usage)";
    public override string Description => "Every request with its route, price snapshot, tokens, cost and the buckets that paid.";
    protected override bool FailedOnly => false;
}

/// <summary>Failed requests only: nothing was charged, holds were voided.</summary>
public sealed class FailedRequestsExport(IDbContextFactory<AppDbContext> contexts) : RequestRecordsExport(contexts)
{
    public override string Name => "failed";
    public override string Title => "Failed requests";
    public override string Description => "Requests that failed before any output: the upstream status and error, cost 0.";
    protected override bool FailedOnly => true;
}

/// <summary>One redeem code and how often it was used.</summary>
[CsvRecord]
public sealed partial record CodeRow
{
    [CsvColumn("code")] public string Code { get; init; } = "";
    [CsvColumn("campaign")] public string Campaign { get; init; } = "";
    [CsvColumn("status")] public string Status { get; init; } = "";
    [CsvColumn("redemptions")] public int Redemptions { get; init; }
    [CsvColumn("max_redemptions")] public int MaxRedemptions { get; init; }
    [CsvColumn("created_by")] public string CreatedBy { get; init; } = "";
    [CsvColumn("created_at_utc")] public DateTime CreatedAt { get; init; }
    [CsvColumn("last_redeemed_at_utc")] public DateTime? LastRedeemedAt { get; init; }
    [CsvColumn("disabled_by")] public string? DisabledBy { get; init; }
    [CsvColumn("disabled_at_utc")] public DateTime? DisabledAt { get; init; }
    [CsvColumn("batch_id")] public Guid? BatchId { get; init; }
}

/// <summary>Codes created in the range (deleted, never-redeemed codes are gone; their audit events keep them).</summary>
public sealed class CodesExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<CodeRow>(contexts)
{
    public override string Name => "codes";
    public override string Title => "Redeem codes";
    public override string Description => "Codes created in the range with campaign, status and redemptions n / max.";

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await db.RedeemCodes.LongCountAsync(c => c.CreatedAt >= range.From && c.CreatedAt < range.To, ct);

    protected override IAsyncEnumerable<CodeRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        db.RedeemCodes.Where(c => c.CreatedAt >= range.From && c.CreatedAt < range.To)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Code)
            .Select(c => new CodeRow
            {
                Code = c.Code,
                Campaign = c.Campaign.Name,
                Status = c.Status.ToString().ToLower(),
                Redemptions = c.RedemptionCount,
                MaxRedemptions = c.MaxRedemptions,
                CreatedBy = c.CreatedBy,
                CreatedAt = c.CreatedAt,
                LastRedeemedAt = c.LastRedeemedAt,
                DisabledBy = c.DisabledBy,
                DisabledAt = c.DisabledAt,
                BatchId = c.BatchId,
            })
            .AsAsyncEnumerable();
}

/// <summary>One audit event with its place in the hash chain.</summary>
[CsvRecord]
public sealed partial record AuditRow
{
    [CsvColumn("sequence")] public long Sequence { get; init; }
    [CsvColumn("occurred_at_utc")] public DateTime OccurredAt { get; init; }
    [CsvColumn("actor")] public string Actor { get; init; } = "";
    [CsvColumn("action")] public string Action { get; init; } = "";
    [CsvColumn("target")] public string Target { get; init; } = "";
    [CsvColumn("before_json")] public string? Before { get; init; }
    [CsvColumn("after_json")] public string? After { get; init; }
    [CsvColumn("ip")] public string? Ip { get; init; }
    [CsvColumn("previous_hash")] public string PreviousHash { get; init; } = "";
    [CsvColumn("hash")] public string Hash { get; init; } = "";
}

/// <summary>Admin audit events of the range, in chain order.</summary>
public sealed class AuditEventsExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<AuditRow>(contexts)
{
    public override string Name => "audit";
    public override string Title => "Audit events";
    public override string Description => "Every admin action with actor, target, before/after and its hash-chain links.";

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await db.AuditEvents.LongCountAsync(e => e.OccurredAt >= range.From && e.OccurredAt < range.To, ct);

    protected override IAsyncEnumerable<AuditRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        db.AuditEvents.Where(e => e.OccurredAt >= range.From && e.OccurredAt < range.To)
            .OrderBy(e => e.Sequence)
            .Select(e => new AuditRow
            {
                Sequence = e.Sequence,
                OccurredAt = e.OccurredAt,
                Actor = e.Actor,
                Action = e.Action,
                Target = e.Target,
                Before = e.BeforeJson,
                After = e.AfterJson,
                Ip = e.Ip,
                PreviousHash = e.PreviousHash,
                Hash = e.Hash,
            })
            .AsAsyncEnumerable();
}
