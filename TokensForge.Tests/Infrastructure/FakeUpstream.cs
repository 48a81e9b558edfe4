using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TokensForge.Tests.Infrastructure;

/// <summary>What a <see cref="FakeUpstream"/> does with the next requests.</summary>
public enum FakeMode
{
    /// <summary>Answers in full (JSON or SSE as asked), reporting usage.</summary>
    Succeed,

    /// <summary>HTTP 500 before any byte of an answer.</summary>
    Fail500,

    /// <summary>HTTP 429 with <c>Retry-After</c>.</summary>
    TooManyRequests,

    /// <summary>Sends nothing until the caller gives up.</summary>
    Hang,

    /// <summary>Streams <see cref="FakeUpstream.CutAfter"/> tokens, then ends without <c>[DONE]</c> (non-streaming: half a body).</summary>
    CutMidStream,

    /// <summary>Streams <see cref="FakeUpstream.CutAfter"/> tokens (0: none), then an <c>error</c> event instead of the rest.</summary>
    ErrorEventMidStream,

    /// <summary>HTTP 400: the request itself is refused.</summary>
    BadRequest,

    /// <summary>HTTP 401 whose message echoes the Authorization header it got, as some upstreams do.</summary>
    EchoKey401,

    /// <summary>Waits for <see cref="FakeUpstream.OpenGate"/>, then answers in full.</summary>
    Gated,

    /// <summary>Answers with a tool call: the message's <c>content</c> and <c>refusal</c> are explicit nulls, as OpenAI sends them.</summary>
    ToolCall,

    /// <summary>A non-streaming answer of <see cref="FakeUpstream.HugeAnswerBytes"/>, written in small pieces (its length announced when <see cref="FakeUpstream.AnnounceLength"/>).</summary>
    Huge,
}

/// <summary>
/// A real OpenAI-compatible HTTP server on 127.0.0.1 (a tiny Kestrel app on port 0) whose behaviour a test sets,
/// recording what it received: how many requests, and the Authorization header of each.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrived = new(0);
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    private FakeUpstream(WebApplication app) => _app = app;

    public volatile FakeMode Mode;

    /// <summary>Usage the fake reports for every answer.</summary>
    public const int PromptTokens = 12;

    public int ReplyTokens { get; set; } = 5;

    /// <summary>The text of each answer token (one token each).</summary>
    public string ReplyWord { get; set; } = " ok";
    public int CutAfter { get; set; } = 3;
    public int RetryAfterSeconds { get; set; } = 60;
    public string BaseUrl { get; private set; } = "";

    /// <summary>When set, requests whose body contains this text are refused with <see cref="RefusalStatus"/> and <see cref="RefusalMessage"/>, whatever the mode.</summary>
    public string? RefuseContaining { get; set; }

    /// <summary>The status of a refusal; 200 sends it as an error event in an event stream, as some upstreams do once streaming began.</summary>
    public int RefusalStatus { get; set; } = 400;

    public string RefusalMessage { get; set; } = "The fake upstream does not accept this request.";
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The size of a <see cref="FakeMode.Huge"/> answer.</summary>
    public int HugeAnswerBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Send a <see cref="FakeMode.Huge"/> answer with its <c>Content-Length</c>.</summary>
    public bool AnnounceLength { get; set; }

    /// <summary>Huge answers written to their end, and those cut off mid-write (the caller stopped reading and closed the connection).</summary>
    public int HugeAnswersCompleted => Volatile.Read(ref _hugeCompleted);
    public int HugeAnswersCutOff => Volatile.Read(ref _hugeCutOff);
    private int _hugeCompleted, _hugeCutOff;

    /// <summary><see cref="FakeMode.Gated"/> requests whose caller hung up while they waited for the gate.</summary>
    public int Abandoned => Volatile.Read(ref _abandoned);
    private int _abandoned;
    public ConcurrentQueue<string?> Authorizations { get; } = new();
    public ConcurrentQueue<string?> Models { get; } = new();

    /// <summary>The body of every request received, as sent.</summary>
    public ConcurrentQueue<string> Bodies { get; } = new();

    public static async Task<FakeUpstream> StartAsync(FakeMode mode = FakeMode.Succeed)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeUpstream(app) { Mode = mode };
        app.MapPost("/v1/chat/completions", fake.ChatAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = address.TrimEnd('/') + "/v1";
        return fake;
    }

    /// <summary>A base URL on which nothing listens: connecting is refused.</summary>
    public static string ClosedPortUrl()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/v1";
    }

    /// <summary>Waits until <paramref name="count"/> more requests have arrived (since the last wait).</summary>
    public async Task WaitForRequestsAsync(int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            if (!await _arrived.WaitAsync(TimeSpan.FromSeconds(30))) throw new TimeoutException("The fake upstream got no request.");
        }
    }

    public void OpenGate() => _gate.TrySetResult();

    public void CloseGate() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ChatAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var authorization = context.Request.Headers.Authorization.ToString();
        Authorizations.Enqueue(authorization);
        using var raw = new StreamReader(context.Request.Body);
        var text = await raw.ReadToEndAsync();
        Bodies.Enqueue(text);
        var body = JsonNode.Parse(text);
        var model = body?["model"]?.GetValue<string>();
        Models.Enqueue(model);
        var stream = body?["stream"]?.GetValue<bool>() == true;
        var limit = body?["max_tokens"]?.GetValue<int>() ?? body?["max_completion_tokens"]?.GetValue<int>() ?? int.MaxValue;
        var mode = Mode;
        _arrived.Release();
        var ct = context.RequestAborted;

        if (RefuseContaining is { } refused && text.Contains(refused, StringComparison.Ordinal))
        {
            if (RefusalStatus != 200)
            {
                await Error(context, RefusalStatus, RefusalMessage);
                return;
            }
            context.Response.ContentType = "text/event-stream";
            await Event(context, JsonSerializer.Serialize(new { error = new { message = RefusalMessage, type = "fake_error" } }), ct);
            return;
        }

        switch (mode)
        {
            case FakeMode.Fail500:
                await Error(context, 500, "The fake upstream failed.");
                return;
            case FakeMode.TooManyRequests:
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
                await Error(context, 429, "Rate limit reached for this fake upstream.");
                return;
            case FakeMode.BadRequest:
                await Error(context, 400, "The fake upstream does not accept this request.");
                return;
            case FakeMode.EchoKey401:
                await Error(context, 401, $"Incorrect API key provided: {authorization.Replace("Bearer ", "")}. Find your key at https://example.invalid.");
                return;
            case FakeMode.Hang:
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            case FakeMode.Gated:
                try
                {
                    await _gate.Task.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _abandoned);
                    return;
                }
                break;
            case FakeMode.Huge:
                await HugeAsync(context, model, ct);
                return;
        }

        var count = Math.Min(ReplyTokens, limit);
        var id = "chatcmpl-fake-" + Guid.NewGuid().ToString("N");
        var usage = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = count, ["total_tokens"] = PromptTokens + count };
        if (mode == FakeMode.ToolCall)
        {
            await ToolCallAsync(context, id, model, stream, usage, ct);
            return;
        }
        if (!stream)
        {
            var json = new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = 1, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = string.Concat(Enumerable.Repeat(ReplyWord, count)) },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = usage,
            }.ToJsonString();
            context.Response.ContentType = "application/json";
            if (mode == FakeMode.CutMidStream)
            {
                await context.Response.WriteAsync(json[..(json.Length / 2)], ct);
                return;
            }
            await context.Response.WriteAsync(json, ct);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var sent = 0;
        for (var i = 0; i < count; i++)
        {
            if (mode == FakeMode.CutMidStream && sent == CutAfter) return;
            if (mode == FakeMode.ErrorEventMidStream && sent == CutAfter)
            {
                await Event(context, """{"error":{"message":"The server is overloaded.","type":"server_error"}}""", ct);
                return;
            }
            await Event(context, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = ReplyWord }, ["finish_reason"] = null }),
            }.ToJsonString(), ct);
            sent++;
        }
        await Event(context, new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "stop" }),
        }.ToJsonString(), ct);
        await Event(context, new JsonObject { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model, ["choices"] = new JsonArray(), ["usage"] = usage }.ToJsonString(), ct);
        await Event(context, "[DONE]", ct);
    }

    private static async Task ToolCallAsync(HttpContext context, string id, string? model, bool stream, JsonObject usage, CancellationToken ct)
    {
        JsonObject Message(bool delta) => new()
        {
            ["role"] = "assistant", ["content"] = null, ["refusal"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["id"] = "call_fake", ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = delta ? "" : "{\"city\":\"Paris\"}" },
            }),
        };
        if (!stream)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = 1, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = Message(false), ["finish_reason"] = "tool_calls" }),
                ["usage"] = usage,
            }.ToJsonString(), ct);
            return;
        }
        context.Response.ContentType = "text/event-stream";
        await Event(context, new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = Message(true), ["finish_reason"] = null }),
        }.ToJsonString(), ct);
        await Event(context, new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = "tool_calls" }),
        }.ToJsonString(), ct);
        await Event(context, new JsonObject { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = 1, ["model"] = model, ["choices"] = new JsonArray(), ["usage"] = usage }.ToJsonString(), ct);
        await Event(context, "[DONE]", ct);
    }

    /// <summary>A chat completion whose content is padding up to <see cref="HugeAnswerBytes"/>, written 64 KiB at a time.</summary>
    private async Task HugeAsync(HttpContext context, string? model, CancellationToken ct)
    {
        var head = System.Text.Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-huge\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model
            + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
        var tail = System.Text.Encoding.UTF8.GetBytes("\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + PromptTokens
            + ",\"completion_tokens\":" + ReplyTokens + ",\"total_tokens\":" + (PromptTokens + ReplyTokens) + "}}");
        var padding = Math.Max(0, HugeAnswerBytes - head.Length - tail.Length);
        context.Response.ContentType = "application/json";
        if (AnnounceLength) context.Response.ContentLength = head.Length + padding + tail.Length;
        var piece = new byte[64 * 1024];
        Array.Fill(piece, (byte)'a');
        try
        {
            await context.Response.Body.WriteAsync(head, ct);
            for (var left = padding; left > 0; left -= piece.Length)
            {
                await context.Response.Body.WriteAsync(piece.AsMemory(0, Math.Min(left, piece.Length)), ct);
                // Once the connection is gone Kestrel accepts writes without sending them, and says so on RequestAborted a
                // moment later: pausing between pieces lets that be seen, so a completed answer really was read.
                await Task.Delay(1, ct);
            }
            await context.Response.Body.WriteAsync(tail, ct);
            await context.Response.Body.FlushAsync(ct);
            ct.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _hugeCompleted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _hugeCutOff);
        }
    }

    private static async Task Event(HttpContext context, string data, CancellationToken ct)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
    }

    private static Task Error(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { error = new { message, type = "fake_error", code = status.ToString() } }));
    }

    public async ValueTask DisposeAsync()
    {
        OpenGate();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
