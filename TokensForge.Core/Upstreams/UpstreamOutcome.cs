using System.Text;

namespace TokensForge.Core.Upstreams;

/// <summary>How an upstream call ended, from the billing point of view. A failure mode is a value, not an exception.</summary>
public enum UpstreamOutcomeKind
{
    /// <summary>The full answer arrived (and, for streams, reached the caller).</summary>
    Completed,

    /// <summary>The upstream failed before the caller got a byte: connection error, error status, broken body.</summary>
    FailedBeforeFirstByte,

    /// <summary>The upstream sent nothing within the route's timeout.</summary>
    TimedOutBeforeFirstByte,

    /// <summary>The upstream stopped (error, broken connection, idle timeout) after output reached the caller.</summary>
    CutAfterFirstByte,

    /// <summary>The caller went away.</summary>
    ClientCancelled,
}

/// <summary>What an upstream call produced: its usage when reported, and the output the caller actually received.</summary>
public sealed class UpstreamOutcome
{
    public UpstreamOutcomeKind Kind { get; set; }
    public int? UpstreamStatus { get; set; }
    public string? Error { get; set; }
    public Usage? ReportedUsage { get; set; }

    /// <summary>Output text delivered to the caller (content, refusals, tool-call arguments), for local counting.</summary>
    public StringBuilder Delivered { get; } = new();

    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>How long the call took, from sending to its end.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>How long the upstream asked to be left alone (a 429's or 503's <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; set; }
    public ChatCompletionResponse? Completion { get; set; }
    public EmbeddingResponse? Embedding { get; set; }
    public bool Started { get; set; }

    /// <summary>
    /// Whether the next route may be tried: nothing reached the caller, and the failure is the upstream's (connection
    /// error, timeout, 429, 5xx, a broken answer), not the request's (400, 413, 422 are the request's own fault).
    /// </summary>
    public bool Retryable => Kind switch
    {
        UpstreamOutcomeKind.TimedOutBeforeFirstByte => true,
        UpstreamOutcomeKind.FailedBeforeFirstByte => !RequestRefused,
        _ => false,
    };

    /// <summary>The upstream refused the request itself (400, 413, 422): another route would refuse it too.</summary>
    public bool RequestRefused => Kind == UpstreamOutcomeKind.FailedBeforeFirstByte && UpstreamStatus is 400 or 413 or 422;

    public void Deliver(ResponseMessage? message)
    {
        if (message is null) return;
        Delivered.Append(message.Content).Append(message.Refusal);
        foreach (var call in message.ToolCalls ?? []) Delivered.Append(call.Function?.Name).Append(call.Function?.Arguments);
    }
}
