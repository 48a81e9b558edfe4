using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.TopUps;

namespace TokensForge.Core.Exports;

/// <summary>One top-up order with its payment, credit and refund.</summary>
[CsvRecord]
public sealed partial record TopUpOrderRow
{
    [CsvColumn("order_id")] public Guid OrderId { get; init; }
    [CsvColumn("reference")] public string Reference { get; init; } = "";
    [CsvColumn("created_at_utc")] public DateTime CreatedAt { get; init; }
    [CsvColumn("user_id")] public string UserId { get; init; } = "";
    [CsvColumn("user_email")] public string? UserEmail { get; init; }
    [CsvColumn("bucket")] public string Bucket { get; init; } = "";
    [CsvColumn("amount_yuan"), CsvConverter(typeof(YuanConverter))] public decimal AmountYuan { get; init; }
    [CsvColumn("amount_micros")] public long AmountMicros { get; init; }
    [CsvColumn("currency")] public string Currency { get; init; } = "";
    [CsvColumn("provider")] public string Provider { get; init; } = "";
    [CsvColumn("status")] public string Status { get; init; } = "";
    [CsvColumn("provider_reference")] public string? ProviderReference { get; init; }
    [CsvColumn("paid_at_utc")] public DateTime? PaidAt { get; init; }
    [CsvColumn("credited_at_utc")] public DateTime? CreditedAt { get; init; }
    [CsvColumn("failed_at_utc")] public DateTime? FailedAt { get; init; }
    [CsvColumn("refunded_at_utc")] public DateTime? RefundedAt { get; init; }
    [CsvColumn("refunded_yuan"), CsvConverter(typeof(YuanConverter))] public decimal RefundedYuan { get; init; }
    [CsvColumn("refunded_micros")] public long RefundedMicros { get; init; }
    [CsvColumn("unrecovered_micros")] public long UnrecoveredMicros { get; init; }
    [CsvColumn("grant_id")] public Guid? GrantId { get; init; }
    [CsvColumn("confirmed_by")] public string? ConfirmedBy { get; init; }
    [CsvColumn("failure_reason")] public string? FailureReason { get; init; }
}

/// <summary>Top-up orders created in the range, oldest first, whatever their status.</summary>
public sealed class TopUpOrdersExport(IDbContextFactory<AppDbContext> contexts) : ExportDataset<TopUpOrderRow>(contexts)
{
    public override string Name => "topups";
    public override string Title => "Top-up orders";
    public override string Description => "Top-up orders with provider, status, payment, credit and refund.";

    protected override async Task<long?> CountRowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) =>
        await db.TopUpOrders.LongCountAsync(o => o.CreatedAt >= range.From && o.CreatedAt < range.To, ct);

    protected override IAsyncEnumerable<TopUpOrderRow> RowsAsync(AppDbContext db, ExportRange range, CancellationToken ct) => TopUpService.Joined(db)
        .Where(r => r.Order.CreatedAt >= range.From && r.Order.CreatedAt < range.To)
        .OrderBy(r => r.Order.CreatedAt).ThenBy(r => r.Order.Id)
        .Select(r => new TopUpOrderRow
        {
            OrderId = r.Order.Id,
            Reference = r.Order.Reference,
            CreatedAt = r.Order.CreatedAt,
            UserId = r.Order.UserId,
            UserEmail = r.Email,
            Bucket = r.Order.BucketKey,
            AmountYuan = YuanConverter.Yuan(r.Order.Amount),
            AmountMicros = r.Order.Amount,
            Currency = r.Order.Currency,
            Provider = r.Order.Provider,
            Status = StatusName(r.Order.Status),
            ProviderReference = r.Order.ProviderReference,
            PaidAt = r.Order.PaidAt,
            CreditedAt = r.Order.CreditedAt,
            FailedAt = r.Order.FailedAt,
            RefundedAt = r.Order.RefundedAt,
            RefundedYuan = YuanConverter.Yuan(r.Order.RefundedAmount),
            RefundedMicros = r.Order.RefundedAmount,
            UnrecoveredMicros = r.Order.UnrecoveredAmount,
            GrantId = r.Order.GrantId,
            ConfirmedBy = r.Order.ConfirmedBy,
            FailureReason = r.Order.FailureReason,
        })
        .AsAsyncEnumerable();

    public static string StatusName(TopUpStatus status) => status.ToString().ToLowerInvariant();
}
