namespace TokensForge.Core.Alerts;

/// <summary>
/// A user's alert thresholds: a low-balance amount and the budget percentages to be told about, and optionally a
/// webhook (its HMAC secret encrypted at rest) that gets each alert too.
/// </summary>
public sealed class AlertSettings
{
    private AlertSettings() { }

    internal AlertSettings(string userId) => UserId = userId;

    public string UserId { get; private set; } = "";

    /// <summary>µ: an alert when the available balance (all buckets) falls below it; null: none.</summary>
    public long? LowBalance { get; private set; }

    /// <summary>Budget usage percentages that raise an alert, ascending, e.g. "80,100"; empty: none.</summary>
    public string BudgetPercents { get; private set; } = "80,100";

    public string? WebhookUrl { get; private set; }
    public string? ProtectedWebhookSecret { get; private set; }
    public DateTime ChangedAt { get; private set; }

    public IReadOnlyList<int> Percents => BudgetPercents.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();

    internal void Change(long? lowBalance, IReadOnlyList<int> percents, string? webhookUrl, DateTime now)
    {
        LowBalance = lowBalance;
        BudgetPercents = string.Join(',', percents.Distinct().Order());
        WebhookUrl = webhookUrl;
        if (webhookUrl is null) ProtectedWebhookSecret = null;
        ChangedAt = now;
    }

    internal void UseSecret(string protectedSecret) => ProtectedWebhookSecret = protectedSecret;
}

/// <summary>
/// An in-app alert, once per event: <see cref="EventId"/> names what happened (a budget window passing a percentage,
/// the balance under the threshold on a day), and a unique index keeps it to one however many instances scan.
/// </summary>
public sealed class Notice
{
    private Notice() { }

    internal Notice(Guid id, string eventId, string userId, string kind, string message, DateTime createdAt)
    {
        Id = id;
        EventId = eventId;
        UserId = userId;
        Kind = kind;
        Message = message;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public string EventId { get; private set; } = "";
    public string UserId { get; private set; } = "";

    /// <summary><c>budget</c> or <c>low_balance</c>.</summary>
    public string Kind { get; private set; } = "";

    public string Message { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
}

/// <summary>One alert's delivery to its user's webhook: retried with back-off until it is answered 2xx or attempts run out.</summary>
public sealed class WebhookDelivery
{
    private WebhookDelivery() { }

    internal WebhookDelivery(Guid noticeId, string eventId, string userId, string url, string payload, DateTime now)
    {
        NoticeId = noticeId;
        EventId = eventId;
        UserId = userId;
        Url = url;
        Payload = payload;
        CreatedAt = now;
        NextAttemptAt = now;
    }

    public Guid NoticeId { get; private set; }
    public string EventId { get; private set; } = "";
    public string UserId { get; private set; } = "";
    public string Url { get; private set; } = "";

    /// <summary>The JSON body sent, the same on every attempt (so a receiver can tell a retry by its event id).</summary>
    public string Payload { get; private set; } = "";

    public DateTime CreatedAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTime? NextAttemptAt { get; private set; }
    public DateTime? DeliveredAt { get; private set; }
    public int? LastStatus { get; private set; }
    public string? LastError { get; private set; }
}
