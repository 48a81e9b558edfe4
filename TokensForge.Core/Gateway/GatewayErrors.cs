using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Every expected failure of a gateway request, written once, whatever front door it came through. Each surface maps
/// them to its own error shape (OpenAI's error JSON on <c>/v1</c>, a sentence in the playground).
/// </summary>
public static class GatewayErrors
{
    private const string InvalidRequest = "invalid_request_error";

    /// <summary>A request the caller must change: 400 with the offending parameter.</summary>
    public static GatewayError Invalid(string message, string? param = null, string code = InvalidRequest) =>
        new(GatewayErrorKind.InvalidRequest, code, message, param);

    // The body as a whole.
    public static GatewayError BodyTooLarge(long maxBytes) => Invalid($"The request body is larger than the {maxBytes} bytes this gateway accepts.");
    public static readonly GatewayError BodyEmpty = Invalid("The request body is empty; send a JSON object.");
    public static readonly GatewayError BodyNotObject = Invalid("The request body must be a JSON object.");
    public static readonly GatewayError BodyUnparseable =
        Invalid("We could not parse the JSON body of your request. Send valid JSON (see https://platform.openai.com/docs/api-reference).");
    public static GatewayError InvalidValue(string param) => Invalid($"Invalid type or value for '{param}'.", param);
    public static GatewayError InvalidUnicode(string param) => Invalid(
        $"The text in {(param.Length > 0 ? $"'{param}'" : "the body")} is not valid Unicode: it holds bytes that are not UTF-8 or a lone surrogate escape (such as \\ud800 without its pair).",
        param.Length > 0 ? param : null);

    // Fields every front door checks.
    public static GatewayError Missing(string param) => Invalid($"Missing required parameter: '{param}'.", param);
    public static GatewayError AtLeastOne(string param) => Invalid($"{param} must be at least 1.", param);

    // The model.
    public static readonly GatewayError ModelMissing = Invalid("You must provide a model parameter.", "model");
    public static GatewayError ModelNotFound(string model) =>
        new(GatewayErrorKind.ModelNotFound, "model_not_found", $"The model '{model}' does not exist or you do not have access to it.", "model");
    public static GatewayError ModelNotAllowed(string model) =>
        new(GatewayErrorKind.ModelNotAllowed, "model_not_allowed", $"This API key is not allowed to use the model '{model}'.", "model");
    public static GatewayError WrongEndpoint(string model, ModelKind kind) =>
        Invalid($"The model '{model}' is {(kind == ModelKind.Embedding ? "an embeddings" : "a chat")} model and cannot be used with this endpoint.", "model");
    public static GatewayError NoRouteFor(RoutePreference preference, string model) =>
        new(GatewayErrorKind.ModelNotFound, "model_not_found", $"No {preference.ToString().ToLowerInvariant()} route serves the model '{model}'.", "model");
    public static GatewayError ContextLengthExceeded(int contextWindow, int promptTokens, string param) =>
        Invalid($"This model's maximum context length is {contextWindow} tokens; the {param} ({promptTokens} tokens) and the requested output do not fit.",
            param, "context_length_exceeded");

    // Limits and money. Insufficient balance is 402, never 429: SDKs retry 429, and retrying cannot create balance.
    public static GatewayError RateLimited(TimeSpan retryAfter, string? message = null) =>
        new(GatewayErrorKind.RateLimited, ApiKeyErrors.RateLimited.Code, message ?? ApiKeyErrors.RateLimited.Message, RetryAfter: retryAfter);
    public static readonly GatewayError SpendLimitReached =
        new(GatewayErrorKind.InsufficientBalance, ApiKeyErrors.SpendLimitReached.Code, ApiKeyErrors.SpendLimitReached.Message);
    public static GatewayError InsufficientBalance(long worstCase) => new(GatewayErrorKind.InsufficientBalance, "insufficient_balance",
        $"Your balance cannot cover this request on any route it may use (worst case {Money.Format(worstCase)}). Top up or redeem a code.");

    public const string MaxCostHeader = "X-TokensForge-Max-Cost";
    public static readonly GatewayError InvalidMaxCost = Invalid(
        $"The {MaxCostHeader} header must be a positive amount in yuan with at most six decimals, e.g. 0.05.", MaxCostHeader);
    public static GatewayError CostCeilingExceeded(long ceiling, long cheapest, int promptTokens, string model) => new(GatewayErrorKind.InsufficientBalance,
        "cost_ceiling_exceeded",
        $"This request cannot fit the ceiling of {Money.Format(ceiling)} set in {MaxCostHeader}: its prompt ({promptTokens} tokens) and one output token " +
        $"cost at least {Money.Format(cheapest)} on every route serving '{model}'. Raise the ceiling or shorten the prompt; you were not charged.");

    /// <summary>Why no hold could be placed on any route, in the words of whoever refused it (the wallet, the key, a sponsor).</summary>
    public static GatewayError Refused(HoldRefusal refusal) => refusal.Reason switch
    {
        Receipts.ReceiptReasons.SpendLimitReached => SpendLimitReached,
        _ when refusal.Message is { } message => new(GatewayErrorKind.InsufficientBalance, refusal.Reason, message),
        _ => InsufficientBalance(refusal.WorstCase),
    };

    // Routes and upstreams.
    /// <summary>No route could take the request now (circuits open, upstreams asked to wait): free, retry later.</summary>
    public static GatewayError NoRouteAvailable(string model, TimeSpan? retryAfter) => new(GatewayErrorKind.UpstreamError, "upstream_error",
        $"No route serving the model '{model}' is available right now; you were not charged. Retry later.", RetryAfter: retryAfter);
    public static readonly GatewayError UpstreamFailed = new(GatewayErrorKind.UpstreamError, "upstream_error",
        "The upstream failed before sending a response; you were not charged. Retry the request.");
    public static readonly GatewayError UpstreamTimedOut = new(GatewayErrorKind.UpstreamTimeout, "upstream_timeout",
        "The upstream did not respond in time; you were not charged. Retry the request.");
    public static GatewayError UpstreamCut(int deliveredTokens) => new(GatewayErrorKind.UpstreamError, "upstream_error",
        $"The upstream stopped mid-answer; you were charged only for the prompt and the {deliveredTokens} output tokens delivered.");
    /// <summary>The upstream refused the request itself (400, 413, 422): the caller must change it, so it is not retried elsewhere.</summary>
    public static GatewayError RefusedByUpstream(UpstreamOutcome outcome) =>
        Invalid($"The upstream refused the request (HTTP {outcome.UpstreamStatus}); you were not charged. {outcome.Error}");
    /// <summary>The upstream's answer outgrew the route's limit: cut off unread, so nothing of it can be relayed.</summary>
    public static GatewayError AnswerTooLarge(long limit) => new(GatewayErrorKind.UpstreamError, "answer_too_large",
        $"The upstream's answer was larger than this route accepts ({FormatBytes(limit)}) and was cut off; you were not charged. "
        + "Ask for less (fewer inputs or dimensions, a lower max_tokens) or stream the answer.");
    public static readonly GatewayError ClientCancelled = Invalid("The request was cancelled by the caller.", code: "client_cancelled");

    // Stored responses (/v1/responses). Someone else's, an expired and an unknown id read the same.
    public static GatewayError PreviousResponseNotFound(string id) => new(GatewayErrorKind.NotFound, "previous_response_not_found",
        $"Previous response with id '{id}' not found.", "previous_response_id");
    public static GatewayError ResponseNotFound(string id) => new(GatewayErrorKind.NotFound, "response_not_found", $"Response with id '{id}' not found.");

    // Idempotency keys.
    public static GatewayError IdempotencyKeyTooLong(int max) => Invalid($"The Idempotency-Key header may be at most {max} characters.", "Idempotency-Key");
    public static readonly GatewayError IdempotencyKeyReused = Invalid("This Idempotency-Key was already used with a different request body.", code: "idempotency_key_reused");
    public static GatewayError IdempotencyKeyUsed(bool streamed, Guid receiptId) => new(GatewayErrorKind.Conflict, "idempotency_key_used",
        $"The request with this Idempotency-Key already ran ({(streamed ? "streamed" : "ended early")}) and has no result to replay; see receipt {receiptId}.");
    public static readonly GatewayError IdempotencyKeyInUse = new(GatewayErrorKind.Conflict, "idempotency_key_in_use",
        "A request with this Idempotency-Key is still in progress. Retry once it has finished.");

    /// <summary>The error a finished upstream call gives the caller; null for a full answer.</summary>
    public static GatewayError? Of(UpstreamOutcome outcome, int deliveredTokens) => outcome.Kind switch
    {
        UpstreamOutcomeKind.Completed => null,
        UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.AnswerOverLimit is { } limit => AnswerTooLarge(limit),
        UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.RequestRefused => RefusedByUpstream(outcome),
        UpstreamOutcomeKind.FailedBeforeFirstByte => UpstreamFailed,
        UpstreamOutcomeKind.TimedOutBeforeFirstByte => UpstreamTimedOut,
        UpstreamOutcomeKind.CutAfterFirstByte => UpstreamCut(deliveredTokens),
        _ => ClientCancelled,
    };

    private static string FormatBytes(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}
