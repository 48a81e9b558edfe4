using System.Text;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

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
    public ChatCompletionResponse? Completion { get; set; }
    public EmbeddingResponse? Embedding { get; set; }
    public bool Started { get; set; }

    public void Deliver(ResponseMessage? message)
    {
        if (message is null) return;
        Delivered.Append(message.Content).Append(message.Refusal);
        foreach (var call in message.ToolCalls ?? []) Delivered.Append(call.Function?.Name).Append(call.Function?.Arguments);
    }
}
