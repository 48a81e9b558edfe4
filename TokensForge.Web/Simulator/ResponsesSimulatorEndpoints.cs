using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Simulator;

/// <summary>
/// The simulator as an upstream that speaks the Responses API natively: <c>POST /sim/v1/responses</c>, for routes with
/// "speaks Responses" on. It reads the request through the gateway's own translation, answers with the chat simulator's
/// words, tool calls and markers, and writes a Response object (or its typed events) with ids of its own
/// (<c>resp_sim…</c>, <c>msg_sim…</c>) and usage with <c>input_tokens_details.cached_tokens</c> (<c>[sim:cached=N]</c>) and
/// <c>output_tokens_details.reasoning_tokens</c> (<c>[sim:reasoning=N]</c>). It keeps nothing: a
/// <c>previous_response_id</c> is refused, as by an upstream that never saw the id.
/// </summary>
public static class ResponsesSimulatorEndpoints
{
    public static RouteGroupBuilder MapResponsesSimulator(this RouteGroupBuilder sim)
    {
        sim.MapPost("/responses", ResponsesAsync);
        return sim;
    }

    private static async Task ResponsesAsync(HttpContext context, IOptions<SimulatorOptions> options, TokenCounter counter, TimeProvider time)
    {
        var settings = options.Value;
        var ct = context.RequestAborted;
        if (!SimulatorEndpoints.Authorized(context, settings))
        {
            await Error(401, "The simulator needs its upstream key (Simulator:ApiKey).").ExecuteAsync(context);
            return;
        }
        var request = await SimulatorEndpoints.ReadOrNullAsync(context.Request, ResponsesJsonContext.Default.CreateResponseRequest, ct);
        if (request?.PreviousResponseId is { } previous)
        {
            await Error(400, $"Previous response with id '{previous}' not found.").ExecuteAsync(context);
            return;
        }
        var (translated, invalid) = request is null ? (null, null) : ResponsesTranslation.ToChat(request, []);
        if (translated is null)
        {
            await Error(400, invalid?.Message ?? "The simulator needs a Responses request with input.").ExecuteAsync(context);
            return;
        }

        var chat = new ChatCompletionRequest { Model = request!.Model, Messages = translated.Messages, Extra = translated.Options, MaxTokens = request.MaxOutputTokens };
        var prompt = SimulatedReplies.PromptText(chat);
        var script = SimulatorScript.Read(prompt, settings.ChunkDelayMs);
        if (settings.LatencyMs + script.SlowMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs + script.SlowMs), time, ct);
        if (script.Fail)
        {
            await Error(500, "The simulator was told to fail ([sim:fail]).").ExecuteAsync(context);
            return;
        }

        var answer = SimulatorEndpoints.Answer(chat, script, prompt, request.MaxOutputTokens, settings, counter);
        var promptTokens = counter.CountPrompt(chat);
        var usage = ResponsesTranslation.UsageOf(new Usage
        {
            PromptTokens = promptTokens, CompletionTokens = answer.CompletionTokens,
            PromptTokensDetails = new PromptTokensDetails { CachedTokens = Math.Clamp(script.CachedTokens, 0, promptTokens) },
            CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = answer.ReasoningTokens },
        });
        var suffix = "sim" + Guid.NewGuid().ToString("N")[..16];
        var response = ResponsesTranslation.Skeleton(request, "resp_" + suffix, time.GetUtcNow().ToUnixTimeSeconds(), request.Model ?? "");

        if (request.Stream == true)
        {
            context.Response.ContentType = "text/event-stream";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var writer = new ResponseStreamWriter(new Events(context), response, suffix);
            await writer.StartAsync(Guid.Empty, ct);
            for (var i = 0; i < answer.Deltas.Count; i++)
            {
                if (script.CutAfterTokens == i) return;
                if (i > 0 && script.ChunkDelayMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(script.ChunkDelayMs), time, ct);
                await writer.WriteAsync(new ChatCompletionChunk { Choices = [new ChunkChoice { Index = 0, Delta = answer.Deltas[i] }] }, ct);
            }
            if (script.CutAfterTokens is not null) return;
            await writer.WriteAsync(new ChatCompletionChunk { Choices = [new ChunkChoice { Index = 0, Delta = new ResponseMessage(), FinishReason = answer.Finish }] }, ct);
            await writer.CloseOutputAsync(ct);
            await writer.CompleteAsync(usage, ct);
            return;
        }

        var completion = new ChatCompletionResponse { Choices = [new ChatChoice { Index = 0, Message = answer.Message, FinishReason = answer.Finish }] };
        (response.Output, response.Status, response.IncompleteDetails) = ResponsesTranslation.FromChat(completion, suffix);
        response.Usage = usage;
        await TypedResults.Json(response, ResponsesJsonContext.Default.ResponseObject).ExecuteAsync(context);
    }

    /// <summary>The typed events as server-sent events, each flushed at once.</summary>
    private sealed class Events(HttpContext context) : IResponseEventSink
    {
        public Task StartAsync(Guid receiptId, CancellationToken ct) => context.Response.StartAsync(ct);

        public Task WriteAsync(ResponseStreamEvent streamEvent, CancellationToken ct) =>
            WriteRawAsync(streamEvent.Type, JsonSerializer.SerializeToUtf8Bytes(streamEvent, ResponsesJsonContext.Default.ResponseStreamEvent), ct);

        public async Task WriteRawAsync(string type, byte[] json, CancellationToken ct)
        {
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {type}\ndata: "), ct);
            await context.Response.Body.WriteAsync(json, ct);
            await context.Response.Body.WriteAsync("\n\n"u8.ToArray(), ct);
            await context.Response.Body.FlushAsync(ct);
        }
    }

    private static IResult Error(int status, string message) =>
        TypedResults.Json(new ErrorBody(new ErrorDetail(message, status >= 500 ? "server_error" : "invalid_request_error", null, null)),
            OpenAiJsonContext.Default.ErrorBody, statusCode: status);
}
