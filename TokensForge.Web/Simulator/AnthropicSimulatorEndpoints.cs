using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Gateway.Messages;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Simulator;

/// <summary>
/// The simulator as an Anthropic upstream: <c>POST /sim/anthropic/v1/messages</c>, for routes with protocol Anthropic. It
/// checks what Anthropic checks (<c>x-api-key</c>, <c>anthropic-version</c>), reads the request through the gateway's own
/// Messages translation, answers with the same deterministic words, tool calls and magic strings as <c>/sim/v1</c>
/// (<see cref="SimulatorEndpoints"/>), and reports usage in Anthropic's words: <c>[sim:cached=N]</c> as
/// <c>cache_read_input_tokens</c>, <c>[sim:cachewrite=N]</c> as <c>cache_creation_input_tokens</c> (5-minute writes, also in
/// the <c>cache_creation</c> split), <c>input_tokens</c> the rest of the prompt. Two markers only it knows:
/// <c>[sim:overloaded]</c> (529 <c>overloaded_error</c>) and <c>[sim:invalid]</c> (400 <c>invalid_request_error</c>), so
/// that a request fails on an Anthropic route and not on the OpenAI ones.
/// </summary>
public static class AnthropicSimulatorEndpoints
{
    public const string BaseUrl = "/sim/anthropic/v1";

    public static IEndpointRouteBuilder MapAnthropicSimulator(this IEndpointRouteBuilder app)
    {
        app.MapGroup(BaseUrl).ExcludeFromDescription().AllowAnonymous().MapPost("/messages", MessagesAsync);
        return app;
    }

    private static async Task MessagesAsync(HttpContext context, IOptions<SimulatorOptions> options, TokenCounter counter, TimeProvider time)
    {
        var settings = options.Value;
        var ct = context.RequestAborted;
        if (context.Request.Headers["x-api-key"].ToString() != settings.ApiKey)
        {
            await Error(401, "authentication_error", "The simulator needs its upstream key (Simulator:ApiKey) as x-api-key.").ExecuteAsync(context);
            return;
        }
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await Error(400, "invalid_request_error", "anthropic-version: header is required").ExecuteAsync(context);
            return;
        }
        var request = await SimulatorEndpoints.ReadOrNullAsync(context.Request, MessagesJsonContext.Default.MessagesRequest, ct);
        var (chat, invalid) = request is { MaxTokens: > 0 } ? MessagesTranslator.ToChat(request) : (null, null);
        if (chat is null)
        {
            await Error(400, "invalid_request_error", invalid?.Message ?? "The simulator needs a Messages request with max_tokens.").ExecuteAsync(context);
            return;
        }

        var prompt = SimulatedReplies.PromptText(chat);
        var script = SimulatorScript.Read(prompt, settings.ChunkDelayMs);
        if (settings.LatencyMs + script.SlowMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs + script.SlowMs), time, ct);
        if (script.Fail || script.Overloaded)
        {
            await Error(529, "overloaded_error", "The simulator was told to fail ([sim:fail] or [sim:overloaded]).").ExecuteAsync(context);
            return;
        }
        if (script.Invalid)
        {
            await Error(400, "invalid_request_error", "The simulator was told to refuse the request ([sim:invalid]).").ExecuteAsync(context);
            return;
        }

        var answer = SimulatorEndpoints.Answer(chat, script, prompt, request!.MaxTokens, settings, counter);
        var promptTokens = counter.CountPrompt(chat);
        var cached = Math.Clamp(script.CachedTokens, 0, promptTokens);
        var written = Math.Clamp(script.CacheWriteTokens, 0, promptTokens - cached);
        JsonObject? Usage(int output) => script.NoUsage ? null : new JsonObject
        {
            ["input_tokens"] = promptTokens - cached - written,
            ["cache_creation_input_tokens"] = written,
            ["cache_read_input_tokens"] = cached,
            ["cache_creation"] = new JsonObject { ["ephemeral_5m_input_tokens"] = written, ["ephemeral_1h_input_tokens"] = 0 },
            ["output_tokens"] = output,
        };
        var stopReason = answer.Finish switch { "tool_calls" => "tool_use", "length" => "max_tokens", _ => "end_turn" };
        var call = answer.Message.ToolCalls?.FirstOrDefault();
        var toolUseId = "toolu_sim_" + Guid.NewGuid().ToString("N")[..20];
        var id = "msg_sim_" + Guid.NewGuid().ToString("N");

        if (request.Stream == true)
        {
            await StreamAsync(context, script, answer, call is null ? null : (toolUseId, call.Function!.Name!), id, request.Model, Usage, stopReason, time);
            return;
        }

        JsonNode block = call is null
            ? new JsonObject { ["type"] = "text", ["text"] = answer.Message.Content }
            : new JsonObject { ["type"] = "tool_use", ["id"] = toolUseId, ["name"] = call.Function!.Name, ["input"] = JsonNode.Parse(call.Function.Arguments ?? "{}") };
        var message = Message(id, request.Model, [block], stopReason, Usage(answer.CompletionTokens));
        var json = Encoding.UTF8.GetBytes(message.ToJsonString());
        context.Response.ContentType = "application/json";
        if (script.CutAfterTokens is not null || script.ResetAfterTokens is not null)
        {
            await context.Response.Body.WriteAsync(json.AsMemory(0, json.Length / 2), ct);
            await context.Response.Body.FlushAsync(ct);
            if (script.ResetAfterTokens is not null) context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(json, ct);
    }

    private static JsonObject Message(string id, string? model, JsonArray content, string? stopReason, JsonObject? usage)
    {
        var message = new JsonObject
        {
            ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = content,
            ["stop_reason"] = stopReason, ["stop_sequence"] = null,
        };
        if (usage is not null) message["usage"] = usage;
        return message;
    }

    /// <summary>Anthropic's event order: message_start, one content block (a ping after its start), message_delta, message_stop.</summary>
    private static async Task StreamAsync(HttpContext context, SimulatorScript script, SimulatorEndpoints.SimulatedChoice answer, (string Id, string Name)? tool,
        string id, string? model, Func<int, JsonObject?> usage, string stopReason, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(ct);

        await WriteAsync(response, "message_start", new JsonObject { ["message"] = Message(id, model, [], null, usage(1)) }, ct);
        JsonNode block = tool is { } t
            ? new JsonObject { ["type"] = "tool_use", ["id"] = t.Id, ["name"] = t.Name, ["input"] = new JsonObject() }
            : new JsonObject { ["type"] = "text", ["text"] = "" };
        await WriteAsync(response, "content_block_start", new JsonObject { ["index"] = 0, ["content_block"] = block }, ct);
        await WriteAsync(response, "ping", [], ct);
        var pieces = tool is null
            ? answer.Deltas.Select(d => d.Content ?? "").ToList()
            : answer.Deltas.SelectMany(d => d.ToolCalls ?? []).Select(c => c.Function?.Arguments ?? "").Where(a => a.Length > 0).ToList();
        for (var i = 0; i < pieces.Count; i++)
        {
            if (script.CutAfterTokens == i) return;
            if (script.ResetAfterTokens == i)
            {
                context.Abort();
                return;
            }
            if (i > 0 && script.ChunkDelayMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(script.ChunkDelayMs), time, ct);
            JsonNode delta = tool is null
                ? new JsonObject { ["type"] = "text_delta", ["text"] = pieces[i] }
                : new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = pieces[i] };
            await WriteAsync(response, "content_block_delta", new JsonObject { ["index"] = 0, ["delta"] = delta }, ct);
        }
        if (script.CutAfterTokens is not null) return;
        await WriteAsync(response, "content_block_stop", new JsonObject { ["index"] = 0 }, ct);
        var end = new JsonObject { ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null } };
        if (!script.NoUsage) end["usage"] = new JsonObject { ["output_tokens"] = answer.CompletionTokens };
        await WriteAsync(response, "message_delta", end, ct);
        await WriteAsync(response, "message_stop", [], ct);
    }

    private static async Task WriteAsync(HttpResponse response, string type, JsonObject data, CancellationToken ct)
    {
        var body = new JsonObject { ["type"] = type };
        foreach (var (name, value) in data.ToList())
        {
            data.Remove(name);
            body[name] = value;
        }
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {type}\ndata: {body.ToJsonString()}\n\n"), ct);
        await response.Body.FlushAsync(ct);
    }

    private static IResult Error(int status, string type, string message) =>
        TypedResults.Json(new MessagesErrorBody(new MessagesErrorDetail(type, message)), MessagesJsonContext.Default.MessagesErrorBody, statusCode: status);
}
