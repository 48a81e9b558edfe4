using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TokensForge.Bench;

/// <summary>
/// The baseline: a minimal OpenAI-compatible upstream on 127.0.0.1 answering a fixed completion with usage, at the
/// path of the simulator routes (<c>/sim/v1</c>) so the seeded routes can point at it.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private const string Completion = """
        {"id":"chatcmpl-bench","object":"chat.completion","created":1780000000,"model":"sim-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello benchmark, here are a few words."},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":16,"completion_tokens":9,"total_tokens":25}}
        """;

    private readonly WebApplication _app;

    private FakeUpstream(WebApplication app, string baseAddress) => (_app, BaseAddress) = (app, baseAddress);

    public string BaseAddress { get; }

    public static async Task<FakeUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/sim/v1/chat/completions", async (HttpContext context) =>
        {
            // Read the request as a real upstream would before answering.
            using var body = new StreamReader(context.Request.Body);
            var request = await body.ReadToEndAsync();
            if (request.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                await StreamAsync(context);
                return;
            }
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Completion);
        });
        await app.StartAsync();
        return new FakeUpstream(app, app.Urls.First().TrimEnd('/'));
    }

    /// <summary>Chunks per streamed answer, and the pause between them: about two seconds per stream, like a slow model.</summary>
    public const int StreamChunks = 50;

    private static readonly TimeSpan ChunkInterval = TimeSpan.FromMilliseconds(40);

    /// <summary>A streamed answer: <see cref="StreamChunks"/> one-token chunks, then the usage chunk and <c>[DONE]</c>.</summary>
    private static async Task StreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        const string chunk = """data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1780000000,"model":"sim-mini","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}]}""";
        for (var i = 0; i < StreamChunks; i++)
        {
            await context.Response.WriteAsync(chunk + "\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(ChunkInterval);
        }
        await context.Response.WriteAsync("""data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1780000000,"model":"sim-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":16,"completion_tokens":50,"total_tokens":66}}""" + "\n\n");
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
