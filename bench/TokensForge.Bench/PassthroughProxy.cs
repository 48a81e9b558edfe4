using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TokensForge.Bench;

/// <summary>
/// The ceiling for any .NET gateway on this machine: a minimal ASP.NET Core proxy that forwards the request body to
/// the upstream with one pooled HttpClient and copies the answer back: no key check, no ledger, no receipt.
/// </summary>
internal sealed class PassthroughProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private PassthroughProxy(WebApplication app, HttpClient client, string baseAddress) => (_app, _client, BaseAddress) = (app, client, baseAddress);

    public string BaseAddress { get; }

    public static async Task<PassthroughProxy> StartAsync(string upstreamChatUrl)
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 1024 });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var forward = new HttpRequestMessage(HttpMethod.Post, upstreamChatUrl) { Content = new StreamContent(context.Request.Body) };
            forward.Content.Headers.ContentType = new("application/json");
            using var answer = await client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)answer.StatusCode;
            context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            await answer.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        return new PassthroughProxy(app, client, app.Urls.First().TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _client.Dispose();
    }
}
