namespace TokensForge.Core.TopUps;

/// <summary>Where a top-up order stands (DESIGN §8).</summary>
public enum TopUpStatus
{
    /// <summary>Created; waiting for the payment.</summary>
    Pending,

    /// <summary>The payment is confirmed but the credit could not be issued yet (an admin can retry it).</summary>
    Paid,

    /// <summary>Paid and credited: the order's grant exists.</summary>
    Credited,

    /// <summary>The provider reported that the payment failed; a later successful payment can still credit it.</summary>
    Failed,

    /// <summary>The payment was refunded; whatever was still unspent of the credit was taken back.</summary>
    Refunded,
}

/// <summary>
/// A user's request to buy credit in one bucket. Status changes are conditional updates in the database
/// (<see cref="TopUpLifecycle"/>), so a payment credits an order at most once whatever the concurrency.
/// </summary>
public sealed class TopUpOrder
{
    /// <summary>Longest provider reference stored (the column's width).</summary>
    public const int MaxProviderReferenceLength = 200;

    /// <summary>Longest failure reason stored (the column's width).</summary>
    public const int MaxFailureReasonLength = 500;

    private TopUpOrder() { }

    internal TopUpOrder(Guid id, string reference, string userId, string bucketKey, long amount, string currency, string provider, DateTime createdAt)
    {
        Id = id;
        Reference = reference;
        UserId = userId;
        BucketKey = bucketKey;
        Amount = amount;
        Currency = currency;
        Provider = provider;
        CreatedAt = createdAt;
        Status = TopUpStatus.Pending;
    }

    public Guid Id { get; private set; }

    /// <summary>Short and human-friendly (<c>TU-7K3M-Q9XD</c>): what a bank transfer quotes and support asks for.</summary>
    public string Reference { get; private set; } = "";

    public string UserId { get; private set; } = "";
    public string BucketKey { get; private set; } = "";

    /// <summary>Amount paid and credited, in µ.</summary>
    public long Amount { get; private set; }

    public string Currency { get; private set; } = "";

    /// <summary>Key of the <see cref="IPaymentProvider"/> that takes the payment.</summary>
    public string Provider { get; private set; } = "";

    public TopUpStatus Status { get; private set; }

    /// <summary>The provider's own id of the payment, when it reported one.</summary>
    public string? ProviderReference { get; private set; }

    public DateTime CreatedAt { get; private set; }
    public DateTime? PaidAt { get; private set; }
    public DateTime? CreditedAt { get; private set; }
    public DateTime? FailedAt { get; private set; }
    public DateTime? RefundedAt { get; private set; }
    public string? FailureReason { get; private set; }

    /// <summary>The grant that the payment created.</summary>
    public Guid? GrantId { get; private set; }

    public Guid? CreditTransferId { get; private set; }

    /// <summary>What a refund took back from the grant (its unspent part), in µ.</summary>
    public long RefundedAmount { get; private set; }

    /// <summary>What a refund could not take back because it was already spent or held, in µ: reported, never forced negative.</summary>
    public long UnrecoveredAmount { get; private set; }

    public Guid? RefundTransferId { get; private set; }

    /// <summary>Who confirmed a manual transfer, or who retried a credit.</summary>
    public string? ConfirmedBy { get; private set; }
}
