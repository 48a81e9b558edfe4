namespace TokensForge.Core.Gateway;

/// <summary>Whether the first request under an idempotency key is still running.</summary>
public enum IdempotencyState
{
    InFlight,
    Completed,
}

/// <summary>
/// The first request a user sent under one <c>Idempotency-Key</c>: claimed by a unique index before any money
/// moves, completed in the same transaction that charges it, and replayed to repeats.
/// </summary>
public sealed class IdempotencyRecord
{
    private IdempotencyRecord() { }

    internal IdempotencyRecord(Guid id, string userId, string key, string requestHash, Guid receiptId, bool stream, DateTime createdAt)
    {
        Id = id;
        UserId = userId;
        Key = key;
        RequestHash = requestHash;
        ReceiptId = receiptId;
        Stream = stream;
        CreatedAt = createdAt;
        State = IdempotencyState.InFlight;
    }

    public Guid Id { get; private set; }
    public string UserId { get; private set; } = "";
    public string Key { get; private set; } = "";

    /// <summary>SHA-256 of the request body: the same key with a different body is refused.</summary>
    public string RequestHash { get; private set; } = "";

    public Guid ReceiptId { get; private set; }
    public bool Stream { get; private set; }
    public IdempotencyState State { get; private set; }

    /// <summary>The HTTP status of the stored result; null when there is nothing to replay.</summary>
    public int? StatusCode { get; private set; }

    public string? ResponseBody { get; private set; }
    public long Cost { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? CompletedAt { get; private set; }
}
