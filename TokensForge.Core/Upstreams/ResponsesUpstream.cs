using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// The Responses API on a route that speaks it natively (<see cref="RouteCandidate.NativeResponses"/>): the request goes to
/// <c>{base}/responses</c> as the shape built it, and the answer comes back as the upstream wrote it, with two renames so
/// the gateway's own store keeps working: the response's <c>id</c> is the gateway's (<c>resp_</c> + receipt) and its
/// <c>model</c> the caller's. Usage is read from the answer, or in a stream from <c>response.completed</c> (or
/// <c>response.incomplete</c>): <c>input_tokens_details.cached_tokens</c> and <c>output_tokens_details.reasoning_tokens</c>
/// included.
/// </summary>
public sealed class ResponsesUpstream(IOpenAiUpstream upstream, UpstreamCall calls)
{
    public async Task<UpstreamOutcome> CreateAsync(RouteCandidate route, JsonObject request, string responseId, string publicModel, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        try
        {
            using var response = await upstream.CreateResponseAsync(Body(request), call.Authorization, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            var answer = await call.ReadAnswerAsync(response, NativeJsonContext.Default.JsonObject);
            if (answer is null || Text(answer["object"]) != "response" || answer["output"] is not JsonArray)
                return call.Fail((int)response.StatusCode, "The upstream's answer was not a Response object.");
            if (Text(answer["status"]) == "failed")
                return call.Fail((int)response.StatusCode, "The upstream's response failed: " + call.Clean(answer["error"]?.ToJsonString() ?? "no error given"));
            Rename(answer, responseId, publicModel);
            call.Outcome.ReportedUsage = UsageOf(answer["usage"] as JsonObject);
            call.Outcome.NativeAnswer = answer.ToJsonString(RelayJson.Options);
            call.Outcome.TimeToFirstToken = call.Elapsed;
            return call.Complete();
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    /// <summary>
    /// A streamed response, relayed event by event. The closing <c>response.completed</c> (or <c>response.incomplete</c>) is
    /// not relayed: it ends the call as <see cref="UpstreamOutcome.NativeAnswer"/> (the whole event), and the shape writes
    /// it once the receipt is written, as for a translated stream.
    /// </summary>
    public async Task<UpstreamOutcome> StreamAsync(RouteCandidate route, JsonObject request, string responseId, string publicModel, Guid receiptId,
        IResponseEventSink sink, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        var outcome = call.Outcome;
        try
        {
            using var response = await upstream.CreateResponseAsync(Body(request), call.Authorization, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            await using var body = await call.ReadEventsAsync(response);
            using var reader = new StreamReader(body);
            while (true)
            {
                var line = await reader.ReadLineAsync(call.Token);
                if (line is null)
                    return outcome.Started ? call.Cut("The upstream closed the stream before response.completed.") : call.Fail(200, "The upstream closed the stream before any event.");
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var data = line.AsSpan(5).Trim().ToString();
                var streamed = Parse(data);
                var type = Text(streamed?["type"]);
                if (streamed is null || type is null or "error" or "response.failed")
                {
                    var message = $"The upstream sent an error or an unreadable event: {call.Clean(data)}";
                    return outcome.Started ? call.Cut(message) : call.Fail(200, message);
                }
                call.Heard();
                if (streamed["response"] is JsonObject carried)
                {
                    Rename(carried, responseId, publicModel);
                    data = streamed.ToJsonString(RelayJson.Options);
                }
                if (type is "response.completed" or "response.incomplete")
                {
                    outcome.ReportedUsage = UsageOf(streamed["response"]?["usage"] as JsonObject);
                    outcome.NativeAnswer = data;
                    return call.Complete();
                }
                if (type.EndsWith(".delta", StringComparison.Ordinal)) outcome.Delivered.Append(Text(streamed["delta"]));
                if (call.StartsOutput()) await sink.StartAsync(receiptId, clientAborted);
                await sink.WriteRawAsync(type, Encoding.UTF8.GetBytes(data), clientAborted);
            }
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    /// <summary>The Responses usage in chat's words, which the charge reads: input (cache reads among them) and output (reasoning among them).</summary>
    internal static Usage? UsageOf(JsonObject? usage)
    {
        if (usage is null) return null;
        int Read(JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<int>(out var n) ? n : 0;
        int input = Read(usage, "input_tokens"), output = Read(usage, "output_tokens");
        return new Usage
        {
            PromptTokens = input, CompletionTokens = output, TotalTokens = input + output,
            PromptTokensDetails = new PromptTokensDetails { CachedTokens = Read(usage["input_tokens_details"], "cached_tokens") },
            CompletionTokensDetails = new CompletionTokensDetails { ReasoningTokens = Read(usage["output_tokens_details"], "reasoning_tokens") },
        };
    }

    private static void Rename(JsonObject response, string responseId, string publicModel)
    {
        response["id"] = responseId;
        response["model"] = publicModel;
    }

    private static StringContent Body(JsonObject request) =>
        new(request.ToJsonString(RelayJson.Options), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonObject? Parse(string data)
    {
        try
        {
            return JsonNode.Parse(data) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
