namespace TokensForge.Core.Audit;

/// <summary>
/// One admin action, written in the same transaction as the change it records. Events form a hash chain:
/// each hash covers the canonical event and the previous hash, so editing or removing any row is detectable.
/// </summary>
public sealed class AuditEvent
{
    private AuditEvent() { }

    internal AuditEvent(long sequence, DateTime occurredAt, string actor, string action, string target, string? beforeJson, string? afterJson,
        string? ip, string previousHash, string hash)
    {
        Sequence = sequence;
        OccurredAt = occurredAt;
        Actor = actor;
        Action = action;
        Target = target;
        BeforeJson = beforeJson;
        AfterJson = afterJson;
        Ip = ip;
        PreviousHash = previousHash;
        Hash = hash;
    }

    /// <summary>Position in the chain, from 1; unique, so two writers can never fork the chain.</summary>
    public long Sequence { get; private set; }

    public DateTime OccurredAt { get; private set; }

    /// <summary>Who acted: an email, or <c>cli</c>/<c>system</c>.</summary>
    public string Actor { get; private set; } = "";

    /// <summary>Dotted verb such as <c>campaign.create</c>, <c>code.delete</c>, <c>grant.adjust</c>, <c>role.change</c>.</summary>
    public string Action { get; private set; } = "";

    /// <summary>What was acted on, e.g. <c>user:ops@example.com</c> or <c>code:TF-7K3M-Q9XD-2HWP</c>.</summary>
    public string Target { get; private set; } = "";

    public string? BeforeJson { get; private set; }
    public string? AfterJson { get; private set; }
    public string? Ip { get; private set; }

    /// <summary>Hex SHA-256 of the previous event; 64 zeros for the first.</summary>
    public string PreviousHash { get; private set; } = "";

    public string Hash { get; private set; } = "";
}
