using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// One front door's part of a gateway request — everything that depends on its JSON: what must be valid, what the
/// prompt weighs, the request the upstream gets, and how the caller's answer and stream events are written.
/// <see cref="GatewayPipeline"/> does the rest (limits, routes, holds, failover, charge, receipt) the same for every door.
/// One instance serves one request.
/// </summary>
public interface IGatewayShape
{
    /// <summary>Written on receipts: <c>chat.completions</c>, <c>embeddings</c>, …</summary>
    string Endpoint { get; }

    ModelKind ModelKind { get; }

    /// <summary>The model the caller named.</summary>
    string? Model { get; }

    bool Stream { get; }

    /// <summary>What the JSON shape cannot say; null when the request may go on.</summary>
    GatewayError? Validate();

    /// <summary>The prompt's tokens and the output to hold, or why the request cannot fit the model at all.</summary>
    (PromptBudget? Budget, GatewayError? Error) Measure(CatalogModel model);

    /// <summary>
    /// Lowers the request's output limit so that it holds at most <paramref name="heldOutputTokens"/> output tokens over
    /// all choices (a caller's cost ceiling); false when not even one token per choice fits. <see cref="Measure"/> again after.
    /// </summary>
    bool CapHeldOutput(long heldOutputTokens);

    /// <summary>Calls one route (streaming to the caller where the request streams).</summary>
    Task<UpstreamOutcome> CallAsync(GatewayRequest request, RouteCandidate route, CancellationToken aborted);

    /// <summary>
    /// Before the receipt is written: the answer to return and keep for idempotent replays (non-streaming, complete
    /// answers only), or for streams the last events the charge completes (our usage count when the upstream sent none).
    /// </summary>
    Task<string?> AnswerAsync(GatewayRequest request, UpstreamOutcome outcome, ChargeDecision decision, CancellationToken aborted);

    /// <summary>After <see cref="AnswerAsync"/>: what this front door keeps in the receipt's own transaction (null: nothing).</summary>
    Func<Data.AppDbContext, CancellationToken, Task>? KeptWithReceipt => null;

    /// <summary>After the receipt is written: closes a started stream, normally or with <paramref name="error"/>.</summary>
    Task EndAsync(UpstreamOutcome outcome, GatewayError? error, CancellationToken aborted);
}
