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

    /// <summary>
    /// The tokens to charge as the upstream reported them, for protocols whose usage <see cref="Usage"/> cannot say (Anthropic's
    /// 1-hour cache writes); when set, the charge reads it instead of <see cref="ReportedUsage"/>.
    /// </summary>
    public Routing.TokenUsage? ReportedTokens { get; set; }

    /// <summary>An answer passed through as the upstream wrote it (a route's native protocol), the model named as the caller named it.</summary>
    public string? NativeAnswer { get; set; }
    public EmbeddingResponse? Embedding { get; set; }
    public bool Started { get; set; }

    /// <summary>
    /// The route's answer limit (bytes) when the answer outgrew it and was cut off while being read; null otherwise. What
    /// made it so big is the request (embeddings' <c>dimensions</c>, a huge output allowance), so another route would
    /// answer alike: it is neither retried elsewhere nor held against the route's health.
    /// </summary>
    public long? AnswerOverLimit { get; set; }

    /// <summary>
    /// Whether the next route may be tried: nothing reached the caller, and the failure is the upstream's (connection
    /// error, timeout, 429, 5xx, a broken answer), not the request's (400, 413, 422 are the request's own fault).
    /// </summary>
    public bool Retryable => Kind switch
    {
        UpstreamOutcomeKind.TimedOutBeforeFirstByte => true,
        UpstreamOutcomeKind.FailedBeforeFirstByte => !RequestRefused && AnswerOverLimit is null,
        _ => false,
    };

    /// <summary>
    /// The upstream refused the request itself before answering — malformed or too large (400, 413, 422), or content it
    /// will not process (<see cref="ContentRefused"/>): another route would refuse it too.
    /// </summary>
    public bool RequestRefused => Kind == UpstreamOutcomeKind.FailedBeforeFirstByte && (UpstreamStatus is 400 or 413 or 422 || ContentRefused);

    /// <summary>
    /// The upstream's moderation refused the caller's content: a 4xx (a 403, a 451) or an error event in the stream (before
    /// or after output began) whose error names a content filter, policy or moderation. A 429 or 5xx never is.
    /// </summary>
    public bool ContentRefused => Kind is UpstreamOutcomeKind.FailedBeforeFirstByte or UpstreamOutcomeKind.CutAfterFirstByte
        && UpstreamStatus is null or 200 or (>= 400 and < 500 and not 429) && Error is { } error
        && ContentRefusalWords.Any(word => error.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The failure was the caller's own doing (<see cref="RequestRefused"/>, content refused mid-stream, an answer over the
    /// route's limit), so it says
    /// nothing about the route's health: one caller's bad prompts must not open the circuit for everyone.
    /// </summary>
    public bool CallerFault => RequestRefused || ContentRefused || AnswerOverLimit is not null;

    /// <summary>Words upstreams use for a moderation refusal (OpenAI, Azure, OpenRouter, Gemini's OpenAI-compatible endpoint).</summary>
    private static readonly string[] ContentRefusalWords = ["content_filter", "content_policy", "content policy", "moderation", "flagged", "safety"];

    public void Deliver(ResponseMessage? message)
    {
        if (message is null) return;
        Delivered.Append(message.Content).Append(message.Refusal);
        foreach (var call in message.ToolCalls ?? []) Delivered.Append(call.Function?.Name).Append(call.Function?.Arguments);
    }
}
