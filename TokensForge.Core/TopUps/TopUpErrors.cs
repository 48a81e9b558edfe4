using TokensForge.Core.Common;

namespace TokensForge.Core.TopUps;

/// <summary>Expected failures of top-ups and payment webhooks.</summary>
public static class TopUpErrors
{
    public static Error AmountOutOfRange(long min, long max) =>
        new("amount_out_of_range", $"The amount must be between {Money.Format(min)} and {Money.Format(max)}.");
    public static readonly Error BucketNotPurchasable = new("bucket_not_purchasable", "Top-ups can buy routed balance or Official Credit only.");
    public static readonly Error ProviderUnavailable = new("provider_unavailable", "This payment method is not available.");
    public static readonly Error OrderNotFound = new("order_not_found", "There is no such top-up order.");
    public static readonly Error NotManualOrder = new("not_manual_order", "Only bank-transfer orders are confirmed by hand; the others are confirmed by their provider.");
    public static Error CannotConfirm(TopUpStatus status) =>
        new("order_not_confirmable", $"The order is {status.ToString().ToLowerInvariant()}; only pending, failed or paid orders can be credited.");

    public static readonly Error SignatureMissing = new("signature_missing", "The webhook has no timestamp or signature header.");
    public static readonly Error SignatureInvalid = new("signature_invalid", "The webhook signature does not match.");
    public static readonly Error TimestampStale = new("timestamp_stale", "The webhook timestamp is too far from the current time.");
    public static readonly Error PayloadInvalid = new("payload_invalid", "The webhook body is not a valid payment event.");
    public static readonly Error UnknownProvider = new("unknown_provider", "No webhook provider has this name.");
    public static readonly Error EventConflict = new("event_conflict", "An event with this id was already received with a different body.");
    public static readonly Error SignedByOtherProvider = new("signed_by_other_provider",
        "The webhook is signed with another provider's secret; each provider's events must be signed with its own.");
    public static readonly Error ProviderMismatch = new("provider_mismatch", "The order is paid through another provider.");
    public static Error FieldTooLong(string field, int max) => new("field_too_long", $"The event's {field} is longer than {max} characters.");
    public static Error FieldMalformed(string field) => new("field_malformed", $"The event's {field} contains control characters or invalid Unicode.");
    public static readonly Error AmountMismatch = new("amount_mismatch", "The event's amount or currency differs from the order's.");
}
