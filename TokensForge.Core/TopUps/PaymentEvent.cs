namespace TokensForge.Core.TopUps;

/// <summary>What a payment provider reports about an order.</summary>
public enum PaymentEventType
{
    Paid,
    Failed,
    Refunded,
}

/// <summary>
/// A provider event that was processed, kept so a replay is recognised: (provider, event id) is unique, and the
/// payload hash tells a replay from a different event reusing an id. Append-only.
/// </summary>
public sealed class PaymentEvent
{
    private PaymentEvent() { }

    internal PaymentEvent(Guid id, string provider, string eventId, PaymentEventType type, Guid orderId, long amount,
        string payloadHash, string outcome, DateTime occurredAt, DateTime receivedAt)
    {
        Id = id;
        Provider = provider;
        EventId = eventId;
        Type = type;
        OrderId = orderId;
        Amount = amount;
        PayloadHash = payloadHash;
        Outcome = outcome;
        OccurredAt = occurredAt;
        ReceivedAt = receivedAt;
    }

    public Guid Id { get; private set; }
    public string Provider { get; private set; } = "";

    /// <summary>The provider's event id: the idempotency key of the webhook.</summary>
    public string EventId { get; private set; } = "";

    public PaymentEventType Type { get; private set; }
    public Guid OrderId { get; private set; }
    public long Amount { get; private set; }

    /// <summary>SHA-256 of the signed body, hex.</summary>
    public string PayloadHash { get; private set; } = "";

    /// <summary>What processing did: <c>credited</c>, <c>failed</c>, <c>refunded</c> or <c>ignored: …</c>.</summary>
    public string Outcome { get; private set; } = "";

    /// <summary>When the provider says it happened (the signed timestamp).</summary>
    public DateTime OccurredAt { get; private set; }

    public DateTime ReceivedAt { get; private set; }
}
