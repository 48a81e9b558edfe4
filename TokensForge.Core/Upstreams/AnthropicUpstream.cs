using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// Messages on an Anthropic route: the caller's request goes as it came (the model renamed to the upstream's), and the
/// answer comes back as the upstream wrote it, the model named as the caller named it. Usage is read from the answer, or
/// in a stream from <c>message_start</c> (input and cache tokens) and <c>message_delta</c> (output, and whatever it
/// restates); the charge maps it with <see cref="MessagesUsage.ToTokens"/>, cache reads and writes included.
/// </summary>
public sealed class AnthropicUpstream(IAnthropicUpstream upstream, UpstreamCall calls)
{
    /// <summary>The Messages API version sent upstream (Anthropic's only one; new features come as <c>anthropic-beta</c>).</summary>
    public const string ApiVersion = "2023-06-01";

    public async Task<UpstreamOutcome> CreateAsync(RouteCandidate route, MessagesRequest request, string publicModel, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        try
        {
            using var response = await upstream.CreateMessageAsync(request, call.ApiKey, ApiVersion, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            var message = await call.ReadAnswerAsync(response, NativeJsonContext.Default.JsonObject);
            if (message is null || Text(message["type"]) != "message" || message["content"] is not JsonArray content)
                return call.Fail((int)response.StatusCode, "The upstream's answer was not an Anthropic message.");
            message["model"] = publicModel;
            foreach (var block in content) Deliver(call.Outcome, block);
            call.Outcome.ReportedTokens = UsageOf(message["usage"] as JsonObject)?.ToTokens();
            call.Outcome.NativeAnswer = message.ToJsonString(RelayJson.Options);
            call.Outcome.TimeToFirstToken = call.Elapsed;
            return call.Complete();
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    /// <summary>
    /// A streamed message, relayed event by event to <paramref name="sink"/> as it arrives. <c>message_stop</c> is not
    /// relayed: it ends the call, and the shape writes it once the receipt is written, as for a translated stream.
    /// </summary>
    public async Task<UpstreamOutcome> StreamAsync(RouteCandidate route, MessagesRequest request, string publicModel, Guid receiptId,
        IMessagesStreamSink sink, CancellationToken clientAborted)
    {
        using var call = calls.Start(route, clientAborted);
        if (!call.KeyReadable) return call.UnreadableKey();
        var outcome = call.Outcome;
        JsonObject? usage = null;
        try
        {
            using var response = await upstream.CreateMessageAsync(request, call.ApiKey, ApiVersion, route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return await call.FailAsync(response);
            await using var body = await call.ReadEventsAsync(response);
            using var reader = new StreamReader(body);
            while (true)
            {
                var line = await reader.ReadLineAsync(call.Token);
                if (line is null)
                    return outcome.Started ? call.Cut("The upstream closed the stream before message_stop.") : call.Fail(200, "The upstream closed the stream before any event.");
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var data = line.AsSpan(5).Trim().ToString();
                var streamed = Parse(data);
                var type = Text(streamed?["type"]);
                if (streamed is null || type is null or "error")
                {
                    var message = $"The upstream sent an error or an unreadable event: {call.Clean(data)}";
                    return outcome.Started ? call.Cut(message) : call.Fail(200, message);
                }
                call.Heard();
                switch (type)
                {
                    case "message_stop":
                        outcome.ReportedTokens = UsageOf(usage)?.ToTokens();
                        return call.Complete();
                    case "message_start" when streamed["message"] is JsonObject started:
                        started["model"] = publicModel;
                        usage = started["usage"]?.DeepClone() as JsonObject;
                        data = streamed.ToJsonString(RelayJson.Options);
                        break;
                    case "message_delta" when streamed["usage"] is JsonObject restated:
                        // Later counts win: message_delta's output_tokens are cumulative, and it may restate the input's.
                        usage ??= [];
                        foreach (var (name, value) in restated) usage[name] = value?.DeepClone();
                        break;
                    case "content_block_start":
                        Deliver(outcome, streamed["content_block"]);
                        break;
                    case "content_block_delta":
                        Deliver(outcome, streamed["delta"]);
                        break;
                }
                if (call.StartsOutput()) await sink.StartAsync(receiptId, clientAborted);
                await sink.WriteAsync(type, Encoding.UTF8.GetBytes(data), clientAborted);
            }
        }
        catch (Exception ex) when (call.Classify(ex) is { } ended)
        {
            return ended;
        }
    }

    /// <summary>Anthropic's usage object as the charge reads it; null when there is none (the charge then counts locally).</summary>
    internal static MessagesUsage? UsageOf(JsonObject? usage)
    {
        if (usage is null) return null;
        int Read(JsonNode? node, string name) => node?[name] is JsonValue value && value.TryGetValue<int>(out var n) ? n : 0;
        var split = usage["cache_creation"] is JsonObject creation
            ? new CacheCreationUsage(Read(creation, "ephemeral_5m_input_tokens"), Read(creation, "ephemeral_1h_input_tokens"))
            : null;
        return new MessagesUsage(Read(usage, "input_tokens"), Read(usage, "output_tokens"), Read(usage, "cache_creation_input_tokens"),
            Read(usage, "cache_read_input_tokens"), split);
    }

    /// <summary>What a block or delta delivers, for counting output that was cut: text, thinking, tool names and input.</summary>
    private static void Deliver(UpstreamOutcome outcome, JsonNode? block)
    {
        if (block is not JsonObject o) return;
        foreach (var name in (ReadOnlySpan<string>)["text", "thinking", "partial_json", "name"]) outcome.Delivered.Append(Text(o[name]));
        if (Text(o["type"]) == "tool_use" && o["input"] is JsonObject { Count: > 0 } input) outcome.Delivered.Append(input.ToJsonString());
    }

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

/// <summary>Answers read as JSON trees, for upstreams whose answers are passed through rather than translated.</summary>
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class NativeJsonContext : JsonSerializerContext;
