using CsvHelper;

namespace TokensForge.Core.Exports;

/// <summary>
/// One line of the reconciliation report (a user's bucket, a system account, or the system-wide total), every amount
/// in decimal yuan and in µ. <c>check</c> is <c>ok</c> only when opening + credits − debits = closing and the closing
/// equals the ledger's own balance.
/// </summary>
[CsvRecord]
public sealed partial record ReconciliationRow
{
    [CsvColumn("scope")] public string Scope { get; init; } = "";
    [CsvColumn("account")] public string Account { get; init; } = "";
    [CsvColumn("user_id")] public string? UserId { get; init; }
    [CsvColumn("user_email")] public string? UserEmail { get; init; }
    [CsvColumn("bucket")] public string? Bucket { get; init; }
    [CsvColumn("range_from_utc")] public DateTime From { get; init; }
    [CsvColumn("range_to_utc")] public DateTime To { get; init; }
    [CsvColumn("opening_yuan"), CsvConverter(typeof(YuanConverter))] public decimal OpeningYuan { get; init; }
    [CsvColumn("opening_micros")] public long OpeningMicros { get; init; }
    [CsvColumn("credit_starter_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditStarterYuan { get; init; }
    [CsvColumn("credit_starter_micros")] public long CreditStarterMicros { get; init; }
    [CsvColumn("credit_campaign_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditCampaignYuan { get; init; }
    [CsvColumn("credit_campaign_micros")] public long CreditCampaignMicros { get; init; }
    [CsvColumn("credit_topup_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditTopUpYuan { get; init; }
    [CsvColumn("credit_topup_micros")] public long CreditTopUpMicros { get; init; }
    [CsvColumn("credit_adjustment_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditAdjustmentYuan { get; init; }
    [CsvColumn("credit_adjustment_micros")] public long CreditAdjustmentMicros { get; init; }
    [CsvColumn("credit_refund_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditRefundYuan { get; init; }
    [CsvColumn("credit_refund_micros")] public long CreditRefundMicros { get; init; }
    [CsvColumn("credit_charge_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditChargeYuan { get; init; }
    [CsvColumn("credit_charge_micros")] public long CreditChargeMicros { get; init; }
    [CsvColumn("credit_expiry_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditExpiryYuan { get; init; }
    [CsvColumn("credit_expiry_micros")] public long CreditExpiryMicros { get; init; }
    [CsvColumn("credit_reversal_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditReversalYuan { get; init; }
    [CsvColumn("credit_reversal_micros")] public long CreditReversalMicros { get; init; }
    [CsvColumn("credits_total_yuan"), CsvConverter(typeof(YuanConverter))] public decimal CreditsYuan { get; init; }
    [CsvColumn("credits_total_micros")] public long CreditsMicros { get; init; }
    [CsvColumn("debit_charge_official_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitChargeOfficialYuan { get; init; }
    [CsvColumn("debit_charge_official_micros")] public long DebitChargeOfficialMicros { get; init; }
    [CsvColumn("debit_charge_routed_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitChargeRoutedYuan { get; init; }
    [CsvColumn("debit_charge_routed_micros")] public long DebitChargeRoutedMicros { get; init; }
    [CsvColumn("debit_expiry_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitExpiryYuan { get; init; }
    [CsvColumn("debit_expiry_micros")] public long DebitExpiryMicros { get; init; }
    [CsvColumn("debit_reversal_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitReversalYuan { get; init; }
    [CsvColumn("debit_reversal_micros")] public long DebitReversalMicros { get; init; }
    [CsvColumn("debit_issued_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitIssuedYuan { get; init; }
    [CsvColumn("debit_issued_micros")] public long DebitIssuedMicros { get; init; }
    [CsvColumn("debit_refund_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitRefundYuan { get; init; }
    [CsvColumn("debit_refund_micros")] public long DebitRefundMicros { get; init; }
    [CsvColumn("debits_total_yuan"), CsvConverter(typeof(YuanConverter))] public decimal DebitsYuan { get; init; }
    [CsvColumn("debits_total_micros")] public long DebitsMicros { get; init; }
    [CsvColumn("closing_yuan"), CsvConverter(typeof(YuanConverter))] public decimal ClosingYuan { get; init; }
    [CsvColumn("closing_micros")] public long ClosingMicros { get; init; }
    [CsvColumn("ledger_balance_yuan"), CsvConverter(typeof(YuanConverter))] public decimal LedgerYuan { get; init; }
    [CsvColumn("ledger_balance_micros")] public long LedgerMicros { get; init; }
    [CsvColumn("check")] public string Check { get; init; } = "";

    public static ReconciliationRow Of(ReconciliationLine line, ExportRange range) => new()
    {
        Scope = line.Scope,
        Account = line.Account,
        UserId = line.UserId,
        UserEmail = line.UserEmail,
        Bucket = line.Bucket,
        From = range.From,
        To = range.To,
        OpeningYuan = YuanConverter.Yuan(line.Opening),
        OpeningMicros = line.Opening,
        CreditStarterYuan = YuanConverter.Yuan(line.CreditStarter),
        CreditStarterMicros = line.CreditStarter,
        CreditCampaignYuan = YuanConverter.Yuan(line.CreditCampaign),
        CreditCampaignMicros = line.CreditCampaign,
        CreditTopUpYuan = YuanConverter.Yuan(line.CreditTopUp),
        CreditTopUpMicros = line.CreditTopUp,
        CreditAdjustmentYuan = YuanConverter.Yuan(line.CreditAdjustment),
        CreditAdjustmentMicros = line.CreditAdjustment,
        CreditRefundYuan = YuanConverter.Yuan(line.CreditRefund),
        CreditRefundMicros = line.CreditRefund,
        CreditChargeYuan = YuanConverter.Yuan(line.CreditCharge),
        CreditChargeMicros = line.CreditCharge,
        CreditExpiryYuan = YuanConverter.Yuan(line.CreditExpiry),
        CreditExpiryMicros = line.CreditExpiry,
        CreditReversalYuan = YuanConverter.Yuan(line.CreditReversal),
        CreditReversalMicros = line.CreditReversal,
        CreditsYuan = YuanConverter.Yuan(line.Credits),
        CreditsMicros = line.Credits,
        DebitChargeOfficialYuan = YuanConverter.Yuan(line.DebitChargeOfficial),
        DebitChargeOfficialMicros = line.DebitChargeOfficial,
        DebitChargeRoutedYuan = YuanConverter.Yuan(line.DebitChargeRouted),
        DebitChargeRoutedMicros = line.DebitChargeRouted,
        DebitExpiryYuan = YuanConverter.Yuan(line.DebitExpiry),
        DebitExpiryMicros = line.DebitExpiry,
        DebitReversalYuan = YuanConverter.Yuan(line.DebitReversal),
        DebitReversalMicros = line.DebitReversal,
        DebitIssuedYuan = YuanConverter.Yuan(line.DebitIssued),
        DebitIssuedMicros = line.DebitIssued,
        DebitRefundYuan = YuanConverter.Yuan(line.DebitRefund),
        DebitRefundMicros = line.DebitRefund,
        DebitsYuan = YuanConverter.Yuan(line.Debits),
        DebitsMicros = line.Debits,
        ClosingYuan = YuanConverter.Yuan(line.Closing),
        ClosingMicros = line.Closing,
        LedgerYuan = YuanConverter.Yuan(line.Ledger),
        LedgerMicros = line.Ledger,
        Check = line.Check,
    };
}
