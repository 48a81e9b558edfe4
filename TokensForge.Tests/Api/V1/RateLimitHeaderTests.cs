using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpenAI.Chat;
using TokensForge.Core.ApiKeys;
using TokensForge.Tests.Gateway;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Api.V1;

/// <summary>OpenAI's <c>x-ratelimit-*</c> headers on every answer of a rate-limited key, read as the official .NET SDK reads them.</summary>
public sealed class RateLimitHeaderTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private const string WithinAMinute = "^([1-5]?[0-9]s|1m0s)$";

    private static string Header(ClientResult result, string name) =>
        result.GetRawResponse().Headers.TryGetValue(name, out var value) ? value! : throw new Xunit.Sdk.XunitException($"No {name} header.");

    [Fact]
    public async Task EveryAnswer_Successes_Streams_Embeddings_AndThe429_CarriesTheRequestsAndTokensTrios()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId, new ApiKeyPolicy(RequestsPerMinute: 3, TokensPerMinute: 100_000));
        var sdk = Host.Sdk(key.Secret);

        var chat = await sdk.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 20 });
        Assert.Equal("3", Header(chat, "x-ratelimit-limit-requests"));
        Assert.Equal("2", Header(chat, "x-ratelimit-remaining-requests"));
        // A one-minute window resets within a minute: "1s" to "59s", or "1m0s" when the request opened the window.
        Assert.Matches(WithinAMinute, Header(chat, "x-ratelimit-reset-requests"));
        Assert.Equal("100000", Header(chat, "x-ratelimit-limit-tokens"));
        // What the request held at its worst: its prompt and the 20 output tokens it allowed.
        var remaining = long.Parse(Header(chat, "x-ratelimit-remaining-tokens"));
        Assert.InRange(100_000 - remaining, 21, 100);
        Assert.Matches(WithinAMinute, Header(chat, "x-ratelimit-reset-tokens"));

        var embedding = await sdk.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("rivers");
        Assert.Equal("1", Header(embedding, "x-ratelimit-remaining-requests"));

        using var client = Host.Client(key.Secret);
        using var stream = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o-mini", stream = true, max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } }),
        }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0", stream.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        await stream.Content.ReadAsStringAsync();

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => sdk.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(429, refused.Status);
        var raw = refused.GetRawResponse()!;
        Assert.True(raw.Headers.TryGetValue("Retry-After", out var retry) && int.Parse(retry!) >= 1);
        Assert.True(raw.Headers.TryGetValue("x-ratelimit-remaining-requests", out var none) && none == "0");
        Assert.True(raw.Headers.TryGetValue("x-ratelimit-limit-tokens", out var tokens) && tokens == "100000");
        Assert.Contains("\"code\":\"rate_limit_exceeded\"", raw.Content.ToString());
    }

    [Fact]
    public async Task Models_Receipts_Quotes_AndBadRequests_CarryTheHeaders_WithoutCountingThemselves()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId, new ApiKeyPolicy(RequestsPerMinute: 5, TokensPerMinute: 100_000));
        using var client = Host.Client(key.Secret);
        var chat = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } });
        chat.EnsureSuccessStatusCode();
        var receipt = chat.Headers.GetValues("x-tokensforge-receipt").Single();
        var afterChat = long.Parse(chat.Headers.GetValues("x-ratelimit-remaining-tokens").Single());

        var answers = new[]
        {
            await client.GetAsync("v1/models"),
            await client.GetAsync("v1/models/gpt-4o-mini"),
            await client.GetAsync($"v1/receipts/{receipt}"),
            await client.GetAsync("v1/receipts/not-a-guid"),
            await client.PostAsJsonAsync("v1/quote", new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } }),
            await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", max_tokens = -1, messages = new[] { new { role = "user", content = "hi" } } }),
        };

        foreach (var answer in answers)
        {
            Assert.Equal("5", answer.Headers.GetValues("x-ratelimit-limit-requests").Single());
            // Only the chat completion counted: none of these took a request or a token of the minute.
            Assert.Equal("4", answer.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Equal("100000", answer.Headers.GetValues("x-ratelimit-limit-tokens").Single());
            var tokens = long.Parse(answer.Headers.GetValues("x-ratelimit-remaining-tokens").Single());
            // The receipt lowered the chat's held worst case to what it used.
            Assert.InRange(tokens, afterChat, 100_000 - 1);
        }
        Assert.Equal(HttpStatusCode.NotFound, answers[3].StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, answers[5].StatusCode);
    }

    [Fact]
    public async Task AnIdempotentReplay_GivesItsTokensBack_ForTheMinute()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId, new ApiKeyPolicy(TokensPerMinute: 100_000));
        using var client = Host.Client(key.Secret);
        async Task<HttpResponseMessage> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "gpt-4o-mini", max_tokens = 2_000, messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Add("Idempotency-Key", "replay-tokens");
            return await client.SendAsync(request);
        }
        async Task<long> RemainingAsync() => long.Parse((await client.GetAsync("v1/models")).Headers.GetValues("x-ratelimit-remaining-tokens").Single());

        (await SendAsync()).EnsureSuccessStatusCode();
        var afterFirst = await RemainingAsync();
        var replay = await SendAsync();
        replay.EnsureSuccessStatusCode();

        Assert.Equal("true", replay.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        // The replay was admitted at its worst case (2,000 output tokens), then given it all back: no model ran.
        Assert.True(100_000 - long.Parse(replay.Headers.GetValues("x-ratelimit-remaining-tokens").Single()) >= 2_000);
        Assert.Equal(afterFirst, await RemainingAsync());
    }

    [Fact]
    public async Task AKeyWithoutRateLimits_GetsNoRateLimitHeaders()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", 5_000_000));
        var key = await Host.CreateKeyAsync(userId);

        var chat = await Host.Sdk(key.Secret).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.False(chat.GetRawResponse().Headers.TryGetValue("x-ratelimit-limit-requests", out _));
    }
}

/// <summary>A key's concurrency limit under parallel load through real HTTP, with requests held at a closed upstream.</summary>
public sealed class KeyConcurrencyTests(FailoverFixture fixture) : IClassFixture<FailoverFixture>
{
    [Fact]
    public async Task TenParallelRequests_KeyAllowsTwoAtOnce_TwoReachTheUpstream_EightGet429_TheReceiptsEndTheLeases()
    {
        var (model, routes) = await fixture.RoutesAsync(new FakeRouteSpec(FakeMode.Gated));
        await using var upstream = routes[0].Upstream;
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", Funds));
        var key = await fixture.Host.CreateKeyAsync(userId, new ApiKeyPolicy(MaxConcurrentRequests: 2));
        using var client = fixture.Host.Client(key.Secret);

        var sending = Enumerable.Range(0, 10).Select(_ => SendAsync(client, Chat(model, stream: false))).ToList();
        await upstream.WaitForRequestsAsync(2);
        // The refused ones answer at once, while the two admitted ones wait at the upstream.
        await TestTimeouts.EventuallyAsync(() => sending.Count(s => s.IsCompleted) == 8, () => $"{sending.Count(s => s.IsCompleted)} of 10 answered");
        var done = sending.Where(s => s.IsCompleted).Select(s => s.Result).ToList();
        var waiting = sending.Where(s => !s.IsCompleted).ToList();
        Assert.Equal(8, done.Count);
        Assert.All(done, d => Assert.Equal(HttpStatusCode.TooManyRequests, d.Response.StatusCode));
        Assert.All(done, d => Assert.Equal("1", d.Response.Headers.GetValues("Retry-After").Single()));
        Assert.Contains("already has 2 requests in flight", done[0].Body);
        Assert.Equal(2, upstream.Requests);

        upstream.OpenGate();
        var served = await Task.WhenAll(waiting);
        Assert.All(served, s => Assert.Equal(HttpStatusCode.OK, s.Response.StatusCode));
        await using var db = fixture.Host.NewContext();
        Assert.Empty(await db.ApiKeyLeases.Where(l => l.KeyId == key.Key.Id).ToListAsync());
        // With the leases ended, the next request goes through.
        upstream.CloseGate();
        upstream.OpenGate();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Chat(model, stream: false))).Response.StatusCode);
    }
}
