using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Web.Simulator;

/// <summary>
/// The built-in simulator: an OpenAI-compatible upstream served by this app at <c>/sim/v1</c> (only when
/// <c>Simulator:Enabled</c>), reached by the gateway over HTTP through the same Refit client as any upstream.
/// Replies are deterministic, report usage counted with o200k, stream one token per chunk, and can be told
/// what to do by magic strings anywhere in the messages (or embeddings input):
/// <list type="bullet">
/// <item><c>[sim:fail]</c> answer HTTP 500 before the first byte.</item>
/// <item><c>[sim:cut=N]</c> send N output tokens, then end the stream without <c>[DONE]</c> (a non-streaming body ends mid-JSON).</item>
/// <item><c>[sim:reset=N]</c> send N output tokens, then reset the connection.</item>
/// <item><c>[sim:slow=MS]</c> wait MS milliseconds before the first byte (longer than the route's timeout gives 504).</item>
/// <item><c>[sim:delay=MS]</c> wait MS milliseconds between streamed chunks.</item>
/// <item><c>[sim:fill]</c> answer exactly the request's max_tokens (or max_completion_tokens) tokens.</item>
/// <item><c>[sim:tokens=N]</c> answer N tokens (at most the output limit).</item>
/// <item><c>[sim:nousage]</c> report no usage (the gateway then counts and flags the receipt estimated).</item>
/// <item><c>[sim:tool]</c> call a tool the request declares (see <see cref="SimulatedReplies.ToolCall"/>) instead of answering in text.</item>
/// <item><c>[sim:reasoning=N]</c> also spend N output tokens on reasoning (<c>completion_tokens_details.reasoning_tokens</c>).</item>
/// <item><c>[sim:cached=N]</c> report N prompt tokens read from the cache (<c>prompt_tokens_details.cached_tokens</c>).</item>
/// <item><c>[sim:cachewrite=N]</c> report N prompt tokens written to the cache (<c>prompt_tokens_details.cache_write_tokens</c>).</item>
/// </list>
/// A request with <c>n</c> gets n choices (streamed interleaved), and usage counts all their output tokens.
/// A request for JSON (<c>response_format</c> <c>json_schema</c> or <c>json_object</c>) is answered with JSON that fits it
/// (<see cref="SimulatedReplies.StructuredReply"/>).
/// <c>Simulator:LatencyMs</c>, <c>Simulator:ChunkDelayMs</c> and <c>Simulator:ReplyTokens</c> set the defaults.
/// </summary>
public static class SimulatorEndpoints
{
    public const string Prefix = SimulatorRoutes.BaseUrl;

    public static IEndpointRouteBuilder MapSimulator(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup(Prefix).ExcludeFromDescription().AllowAnonymous();
        sim.MapGet("/models", ListModels);
        sim.MapPost("/chat/completions", ChatCompletionsAsync);
        sim.MapPost("/embeddings", EmbeddingsAsync);
        sim.MapResponsesSimulator();
        app.MapAnthropicSimulator();
        return app;
    }

    private static IResult ListModels(HttpContext context, IOptions<SimulatorOptions> options)
    {
        if (!Authorized(context, options.Value)) return Unauthorized();
        var models = SimulatorRoutes.Catalogue.Select(m => new ModelObject(m.Upstream, "model", 0, "tokensforge-simulator")).ToList();
        return TypedResults.Json(new ModelList("list", models), OpenAiJsonContext.Default.ModelList);
    }

    private static async Task ChatCompletionsAsync(HttpContext context, IOptions<SimulatorOptions> options, TokenCounter counter, TimeProvider time)
    {
        var settings = options.Value;
        var ct = context.RequestAborted;
        if (!Authorized(context, settings))
        {
            await Unauthorized().ExecuteAsync(context);
            return;
        }
        var request = await ReadOrNullAsync(context.Request, OpenAiJsonContext.Default.ChatCompletionRequest, ct);
        if (request?.Messages is null)
        {
            await Error(400, "The simulator needs a chat completion request with messages.").ExecuteAsync(context);
            return;
        }

        var prompt = SimulatedReplies.PromptText(request);
        var script = SimulatorScript.Read(prompt, settings.ChunkDelayMs);
        if (settings.LatencyMs + script.SlowMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs + script.SlowMs), time, ct);
        if (script.Fail)
        {
            await Error(500, "The simulator was told to fail ([sim:fail]).").ExecuteAsync(context);
            return;
        }

        var limit = request.MaxCompletionTokens ?? request.MaxTokens;
        var id = "chatcmpl-sim-" + Guid.NewGuid().ToString("N");
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var promptTokens = counter.CountPrompt(request);
        var cached = Math.Clamp(script.CachedTokens, 0, promptTokens);
        var written = Math.Clamp(script.CacheWriteTokens, 0, promptTokens - cached);
        Usage? UsageOf(int completion, int reasoning = 0) => script.NoUsage ? null : new Usage
        {
            PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion,
            PromptTokensDetails = cached + written > 0 ? new PromptTokensDetails { CachedTokens = cached, CacheWriteTokens = written > 0 ? written : null } : null,
            CompletionTokensDetails = reasoning > 0 ? new CompletionTokensDetails { ReasoningTokens = reasoning } : null,
        };

        // Each of the n choices is its own deterministic sample: the first is seeded by the prompt alone (so n = 1
        // answers as before), the others by the prompt and their index; usage counts every choice's output, as OpenAI does.
        var choices = Enumerable.Range(0, request.N ?? 1).Select(i => Answer(request, script, i == 0 ? prompt : $"{prompt}#{i}", limit, settings, counter)).ToList();
        var usage = UsageOf(choices.Sum(c => c.CompletionTokens), choices.Sum(c => c.ReasoningTokens));

        if (request.Stream == true)
        {
            await StreamAsync(context, request, script, choices, usage, id, created, time);
            return;
        }

        var response = new ChatCompletionResponse
        {
            Id = id, Object = "chat.completion", Created = created, Model = request.Model,
            Choices = choices.Select((c, i) => new ChatChoice { Index = i, Message = c.Message, FinishReason = c.Finish }).ToList(),
            Usage = usage,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(response, OpenAiJsonContext.Default.ChatCompletionResponse);
        context.Response.ContentType = "application/json";
        if (script.CutAfterTokens is not null || script.ResetAfterTokens is not null)
        {
            // Half a body, then the end: what a crashing upstream looks like.
            await context.Response.Body.WriteAsync(json.AsMemory(0, json.Length / 2), ct);
            await context.Response.Body.FlushAsync(ct);
            if (script.ResetAfterTokens is not null) context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(json, ct);
    }

    /// <summary>One choice of a chat completion: the whole message, the deltas it streams as, why it ended, and its output tokens.</summary>
    internal sealed record SimulatedChoice(ResponseMessage Message, IReadOnlyList<ResponseMessage> Deltas, string Finish, int CompletionTokens, int ReasoningTokens = 0);

    /// <summary>One choice, its words and arguments drawn from <paramref name="seed"/>.</summary>
    internal static SimulatedChoice Answer(ChatCompletionRequest request, SimulatorScript script, string seed, int? limit, SimulatorOptions settings, TokenCounter counter)
    {
        if (script.Tool && SimulatedReplies.ToolCall(request, seed) is var (toolName, arguments))
        {
            var callId = "call_sim_" + Guid.NewGuid().ToString("N")[..16];
            var call = new ResponseMessage { Role = "assistant", ToolCalls = [new ToolCall { Id = callId, Type = "function", Function = new FunctionCall { Name = toolName, Arguments = arguments } }] };
            // The call's head first, then its arguments in pieces, as upstreams stream tool calls.
            var pieces = Enumerable.Range(0, 3).Select(i => arguments[(arguments.Length * i / 3)..(arguments.Length * (i + 1) / 3)]).Where(p => p.Length > 0);
            return new SimulatedChoice(call, [
                new ResponseMessage { Role = "assistant", ToolCalls = [new ToolCall { Index = 0, Id = callId, Type = "function", Function = new FunctionCall { Name = toolName, Arguments = "" } }] },
                ..pieces.Select(p => new ResponseMessage { ToolCalls = [new ToolCall { Index = 0, Function = new FunctionCall { Arguments = p } }] }),
            ], "tool_calls", counter.Count(toolName + arguments));
        }
        if (SimulatedReplies.StructuredReply(request, seed) is { } structured)
        {
            var parts = Enumerable.Range(0, 4).Select(i => structured[(structured.Length * i / 4)..(structured.Length * (i + 1) / 4)]).Where(p => p.Length > 0)
                .Select((p, i) => new ResponseMessage { Role = i == 0 ? "assistant" : null, Content = p }).ToList();
            return new SimulatedChoice(new ResponseMessage { Role = "assistant", Content = structured }, parts, "stop", counter.Count(structured));
        }

        // Reasoning comes out of the same output limit as the visible answer.
        var reasoning = Math.Min(script.ReasoningTokens, limit ?? int.MaxValue);
        var wanted = script.Fill ? (limit ?? settings.ReplyTokens) - reasoning : script.Tokens ?? settings.ReplyTokens;
        var count = Math.Min(wanted, (limit ?? int.MaxValue) - reasoning);
        var tokens = SimulatedReplies.Tokens(seed, count);
        return new SimulatedChoice(new ResponseMessage { Role = "assistant", Content = string.Concat(tokens) },
            tokens.Select((t, i) => new ResponseMessage { Role = i == 0 ? "assistant" : null, Content = t }).ToList(),
            count < wanted || script.Fill ? "length" : "stop", count + reasoning, reasoning);
    }

    private static async Task StreamAsync(HttpContext context, ChatCompletionRequest request, SimulatorScript script, IReadOnlyList<SimulatedChoice> choices,
        Usage? usage, string id, long created, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(ct);

        ChatCompletionChunk Chunk(int index, ResponseMessage? delta, string? finishReason) => new()
        {
            Id = id, Object = "chat.completion.chunk", Created = created, Model = request.Model,
            Choices = [new ChunkChoice { Index = index, Delta = delta, FinishReason = finishReason }],
        };

        // The choices' deltas interleaved, one chunk per choice per step, as OpenAI streams n > 1;
        // cut and reset count steps, so each choice has sent that many deltas.
        var steps = choices.Max(c => c.Deltas.Count);
        for (var i = 0; i < steps; i++)
        {
            if (script.CutAfterTokens == i) return;
            if (script.ResetAfterTokens == i)
            {
                context.Abort();
                return;
            }
            if (i > 0 && script.ChunkDelayMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(script.ChunkDelayMs), time, ct);
            for (var c = 0; c < choices.Count; c++)
            {
                if (i < choices[c].Deltas.Count) await WriteEventAsync(response, Chunk(c, choices[c].Deltas[i], null), ct);
            }
        }
        if (script.CutAfterTokens is not null) return;
        if (script.ResetAfterTokens is not null)
        {
            context.Abort();
            return;
        }
        for (var c = 0; c < choices.Count; c++) await WriteEventAsync(response, Chunk(c, new ResponseMessage(), choices[c].Finish), ct);
        if (usage is not null && request.StreamOptions?.IncludeUsage == true)
        {
            await WriteEventAsync(response, new ChatCompletionChunk
            {
                Id = id, Object = "chat.completion.chunk", Created = created, Model = request.Model, Choices = [], Usage = usage,
            }, ct);
        }
        await response.Body.WriteAsync("data: [DONE]\n\n"u8.ToArray(), ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpResponse response, ChatCompletionChunk chunk, CancellationToken ct)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(chunk, OpenAiJsonContext.Default.ChatCompletionChunk);
        await response.Body.WriteAsync("data: "u8.ToArray(), ct);
        await response.Body.WriteAsync(json, ct);
        await response.Body.WriteAsync("\n\n"u8.ToArray(), ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task<IResult> EmbeddingsAsync(HttpContext context, IOptions<SimulatorOptions> options, TokenCounter counter, TimeProvider time)
    {
        var settings = options.Value;
        if (!Authorized(context, settings)) return Unauthorized();
        EmbeddingRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(OpenAiJsonContext.Default.EmbeddingRequest, context.RequestAborted);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request?.Input is not { } input) return Error(400, "The simulator needs an embeddings request with input.");

        var items = input.ValueKind == JsonValueKind.Array
            ? input.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText()).ToList()
            : [input.ValueKind == JsonValueKind.String ? input.GetString()! : input.GetRawText()];
        // A list of token ids is one input, not many.
        if (input.ValueKind == JsonValueKind.Array && input.EnumerateArray().All(i => i.ValueKind == JsonValueKind.Number)) items = [input.GetRawText()];
        var script = SimulatorScript.Read(string.Join('\n', items), 0);
        if (settings.LatencyMs + script.SlowMs > 0) await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs + script.SlowMs), time, context.RequestAborted);
        if (script.Fail) return Error(500, "The simulator was told to fail ([sim:fail]).");

        var dimensions = request.Dimensions ?? 16;
        var base64 = string.Equals(request.EncodingFormat, "base64", StringComparison.OrdinalIgnoreCase);
        var data = items.Select((text, index) =>
        {
            var vector = SimulatedReplies.Vector(text, dimensions);
            var embedding = base64
                ? JsonSerializer.SerializeToElement(Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())), OpenAiJsonContext.Default.String)
                : JsonSerializer.SerializeToElement(vector, OpenAiJsonContext.Default.SingleArray);
            return new EmbeddingItem { Object = "embedding", Index = index, Embedding = embedding };
        }).ToList();
        var tokens = counter.CountEmbeddingInput(input);
        var response = new EmbeddingResponse
        {
            Object = "list", Data = data, Model = request.Model,
            Usage = script.NoUsage ? null : new Usage { PromptTokens = tokens, TotalTokens = tokens },
        };
        return TypedResults.Json(response, OpenAiJsonContext.Default.EmbeddingResponse);
    }

    /// <summary>The request body as <typeparamref name="T"/>, or null when it is not that JSON (each front door answers that in its own words).</summary>
    internal static async Task<T?> ReadOrNullAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        try
        {
            return await request.ReadFromJsonAsync(type, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static bool Authorized(HttpContext context, SimulatorOptions settings) =>
        context.Request.Headers.Authorization.ToString() == "Bearer " + settings.ApiKey;

    private static IResult Unauthorized() => Error(401, "The simulator needs its upstream key (Simulator:ApiKey).", "invalid_api_key");

    private static IResult Error(int status, string message, string? code = null) =>
        TypedResults.Json(new ErrorBody(new ErrorDetail(message, status >= 500 ? "server_error" : "invalid_request_error", null, code)),
            OpenAiJsonContext.Default.ErrorBody, statusCode: status);
}
