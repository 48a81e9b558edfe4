using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>
/// The Responses API's entry to <see cref="GatewayPipeline"/>: checks the request, loads the conversation a
/// <c>previous_response_id</c> continues (the caller's own, unexpired responses only), then runs the pipeline with a
/// <see cref="ResponsesShape"/>. Reads of stored responses for <c>GET</c> and <c>DELETE</c> go through <see cref="ResponseStore"/>.
/// </summary>
public sealed class ResponsesGateway(GatewayPipeline pipeline, ChatUpstream chat, ResponsesUpstream native, TokenCounter tokens, ResponseStore store,
    IOptions<GatewayOptions> options)
{
    /// <summary>A response. Streaming requests (<c>stream: true</c>) need a <paramref name="sink"/>; their events go there.</summary>
    public async Task<GatewayResult> CreateAsync(GatewayCaller caller, CreateResponseRequest request, IResponseEventSink? sink, CancellationToken aborted)
    {
        var (history, error) = await HistoryAsync(caller, request, aborted);
        if (error is not null) return GatewayResult.Fail(error);
        return await pipeline.RunAsync(caller, new ResponsesShape(request, history!, sink, chat, tokens, store, options.Value, native), aborted);
    }

    /// <summary>What the response would hold (its conversation included), without moving money.</summary>
    public async Task<(GatewayQuote? Quote, GatewayError? Error)> QuoteAsync(GatewayCaller caller, CreateResponseRequest request, CancellationToken ct)
    {
        request.Stream = null;
        var (history, error) = await HistoryAsync(caller, request, ct);
        if (error is not null) return (null, error);
        return await pipeline.QuoteAsync(caller, new ResponsesShape(request, history!, null, chat, tokens, store, options.Value, native), ct);
    }

    /// <summary>The conversation a <c>previous_response_id</c> continues (the caller's own, unexpired responses only).</summary>
    private async Task<(IReadOnlyList<JsonElement>? History, GatewayError? Error)> HistoryAsync(GatewayCaller caller, CreateResponseRequest request, CancellationToken ct)
    {
        // Bad input is refused before anything is looked up, so a broken request says what is wrong with it.
        if (ResponsesTranslation.ToChat(request, []).Error is { } invalid) return (null, invalid);
        if (request.PreviousResponseId is not { } previousId) return ([], null);
        var previous = await store.FindAsync(previousId, caller.UserId, ct);
        if (previous is null) return (null, GatewayErrors.PreviousResponseNotFound(previousId));
        return (JsonSerializer.Deserialize(previous.ConversationJson, ResponsesJsonContext.Default.ListJsonElement) ?? [], null);
    }
}
