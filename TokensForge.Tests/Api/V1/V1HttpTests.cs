using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>The /v1 surface over plain HTTP: request validation, headers, receipts and idempotency.</summary>
public sealed class V1HttpTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    private async Task<(HttpClient Client, string UserId)> ClientAsync(long routed = 5_000_000)
    {
        var (userId, _) = await Host.AddUserAsync(("routed", routed));
        var key = await Host.CreateKeyAsync(userId);
        return (Host.Client(key.Secret), userId);
    }

    private static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error").Clone();
        Assert.True(error.TryGetProperty("message", out _));
        Assert.True(error.TryGetProperty("type", out _));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("""{"model":"gpt-4o-mini"}""", "messages")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[]}""", "messages")]
    [InlineData("""{"model":"gpt-4o-mini","messages":"hello"}""", "messages")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":"ten"}""", "max_tokens")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    public async Task ChatCompletion_MalformedRequest_Returns400InOpenAiShape(string body, string? param)
    {
        var (client, _) = await ClientAsync();

        var response = await client.PostAsync("v1/chat/completions", Json(body));
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.False(response.Headers.Contains("x-tokensforge-receipt"));
    }

    [Fact]
    public async Task ChatCompletion_BodyOverTheLimit_Returns400()
    {
        var (client, _) = await ClientAsync();
        var huge = new string('a', 20 * 1024 * 1024 + 10);

        var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = huge } } });
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("larger than", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task MissingKey_Returns401WithRequestId_AndNoStackTrace()
    {
        using var client = Host.Client(null);

        var response = await client.GetAsync("v1/models");
        var text = await response.Content.ReadAsStringAsync();
        var error = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.DoesNotContain(" at ", text);
    }

    [Fact]
    public async Task UnknownV1Path_Returns404InOpenAiShape()
    {
        var (client, _) = await ClientAsync();

        var response = await client.GetAsync("v1/no/such/thing");
        var error = await ErrorOf(response);
        var wrongMethod = await client.GetAsync("v1/chat/completions");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, wrongMethod.StatusCode);
        Assert.Equal("unknown_url", (await ErrorOf(wrongMethod)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task ChatCompletion_EmbeddingModel_Returns400()
    {
        var (client, _) = await ClientAsync();

        var response = await client.PostAsync("v1/chat/completions", Json("""{"model":"text-embedding-3-small","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model", (await ErrorOf(response)).GetProperty("param").GetString());
    }

    [Fact]
    public async Task Receipt_ForOwnRequest_ShowsRouteSnapshotAndPaidByParts()
    {
        var (client, _) = await ClientAsync();
        var response = await client.PostAsync("v1/chat/completions", Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"""));
        var receiptId = response.Headers.GetValues("x-tokensforge-receipt").Single();
        var cost = long.Parse(response.Headers.GetValues("x-tokensforge-cost").Single());

        var receipt = await client.GetFromJsonAsync<JsonElement>($"v1/receipts/{receiptId}");

        Assert.Equal(receiptId, receipt.GetProperty("id").GetString());
        Assert.Equal("succeeded", receipt.GetProperty("status").GetString());
        Assert.Equal("completed", receipt.GetProperty("reason").GetString());
        Assert.Equal(cost, receipt.GetProperty("cost").GetInt64());
        Assert.Equal("routed", receipt.GetProperty("route").GetProperty("kind").GetString());
        Assert.True(receipt.GetProperty("route").GetProperty("simulated").GetBoolean());
        Assert.True(receipt.GetProperty("price_snapshot").GetProperty("output_per_million").GetInt64() > 0);
        var parts = receipt.GetProperty("paid_by").EnumerateArray().ToList();
        Assert.Equal("routed", Assert.Single(parts).GetProperty("bucket").GetString());
        Assert.Equal(cost, parts.Sum(p => p.GetProperty("amount").GetInt64()));
    }

    [Fact]
    public async Task IdempotencyKey_RepeatOfCompletedRequest_ReplaysWithoutChargingAgain()
    {
        var (client, userId) = await ClientAsync();
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"once only"}]}""";

        async Task<HttpResponseMessage> Send()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(body) };
            request.Headers.Add("Idempotency-Key", "order-42");
            return await client.SendAsync(request);
        }
        var first = await Send();
        var second = await Send();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.GetValues("x-tokensforge-receipt").Single(), second.Headers.GetValues("x-tokensforge-receipt").Single());
        Assert.Equal("true", second.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        await using var db = Host.NewContext();
        var receipts = await db.RequestRecords.Where(r => r.UserId == userId).ToListAsync();
        var charged = await db.Transfers.Where(t => t.Flags == Core.Ledger.TransferFlags.PostPending && t.Reference == receipts[0].Id.ToString()).SumAsync(t => t.Amount);
        Assert.Single(receipts);
        Assert.Equal(receipts[0].Cost, charged);
    }

    [Fact]
    public async Task IdempotencyKey_RepeatOfACompletedStream_ReplaysTheSameStream_WithoutChargingAgain()
    {
        var (client, userId) = await ClientAsync();
        const string body = """{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"[sim:fill] stream once"}]}""";

        async Task<(HttpResponseMessage Response, string Events)> Send()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(body) };
            request.Headers.Add("Idempotency-Key", "stream-7");
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            return (response, await response.Content.ReadAsStringAsync());
        }
        var (first, firstEvents) = await Send();
        var (second, secondEvents) = await Send();

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal("text/event-stream", second.Content.Headers.ContentType?.MediaType);
        // Chunk for chunk what the first stream delivered, usage included, ending with [DONE].
        Assert.Equal(firstEvents, secondEvents);
        Assert.True(firstEvents.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length > 3);
        Assert.EndsWith("data: [DONE]\n\n", secondEvents);
        Assert.Contains("\"usage\"", secondEvents);
        Assert.Equal(first.Headers.GetValues("x-tokensforge-receipt").Single(), second.Headers.GetValues("x-tokensforge-receipt").Single());
        Assert.Equal("true", second.Headers.GetValues("x-tokensforge-idempotent-replay").Single());
        await using var db = Host.NewContext();
        var receipt = await db.RequestRecords.SingleAsync(r => r.UserId == userId);
        var charged = await db.Transfers.Where(t => t.Flags == Core.Ledger.TransferFlags.PostPending && t.Reference == receipt.Id.ToString()).SumAsync(t => t.Amount);
        Assert.Equal(receipt.Cost, charged);
        Assert.Equal(receipt.Cost.ToString(), second.Headers.GetValues("x-tokensforge-cost").Single());
    }

    [Fact]
    public async Task IdempotencyKey_SameKeyDifferentBody_Returns400()
    {
        var (client, _) = await ClientAsync();

        async Task<HttpResponseMessage> Send(string content)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = Json($$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{content}}"}]}"""),
            };
            request.Headers.Add("Idempotency-Key", "same-key");
            return await client.SendAsync(request);
        }
        Assert.Equal(HttpStatusCode.OK, (await Send("one")).StatusCode);
        var second = await Send("two");

        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("idempotency_key_reused", (await ErrorOf(second)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task IdempotencyKey_RepeatWhileFirstInFlight_Returns409()
    {
        var (client, userId) = await ClientAsync();
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"[sim:slow=2000] take your time"}]}""";
        HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json(body) };
            request.Headers.Add("Idempotency-Key", "slow-one");
            return request;
        }

        var first = client.SendAsync(Request());
        await using (var db = Host.NewContext())
        {
            // Wait until the first request holds its claim (it then waits on the slow upstream).
            for (var i = 0; i < 200 && !await db.IdempotencyRecords.AnyAsync(r => r.UserId == userId && r.State == IdempotencyState.InFlight); i++)
                await Task.Delay(25);
        }
        var second = await client.SendAsync(Request());
        var firstResponse = await first;

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("idempotency_key_in_use", (await ErrorOf(second)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
    }

    [Fact]
    public async Task IdempotencyKey_AfterFreeFailure_AllowsRetry()
    {
        var (client, userId) = await ClientAsync();
        HttpRequestMessage Request(string content)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
            {
                Content = Json($$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{content}}"}]}"""),
            };
            request.Headers.Add("Idempotency-Key", "retry-me");
            return request;
        }

        var failed = await client.SendAsync(Request("[sim:fail]"));
        await using var db = Host.NewContext();
        var claims = await db.IdempotencyRecords.CountAsync(r => r.UserId == userId);

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(0, claims);
    }

    [Fact]
    public async Task Embeddings_MissingInput_Returns400_AndTokenArraysAreAccepted()
    {
        var (client, _) = await ClientAsync();

        var missing = await client.PostAsync("v1/embeddings", Json("""{"model":"text-embedding-3-small"}"""));
        var tokens = await client.PostAsync("v1/embeddings", Json("""{"model":"text-embedding-3-small","input":[1,2,3,4]}"""));
        var json = await tokens.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        Assert.Equal(4, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Single(json.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task ChatCompletion_UpstreamReportsNoUsage_ChargesLocalCountFlaggedEstimated()
    {
        var (client, _) = await ClientAsync();

        var response = await client.PostAsync("v1/chat/completions", Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"[sim:nousage] [sim:tokens=7]"}]}"""));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        await using var db = Host.NewContext();
        var receipt = await db.RequestRecords.SingleAsync(r => r.Id == Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(receipt.Estimated);
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.Equal(7, receipt.CompletionTokens);
        Assert.Equal(7, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_SendsNoUsageChunk_ButTheReceiptHasTheUpstreamUsage()
    {
        var (client, _) = await ClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = Json("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"[sim:tokens=4]"}]}"""),
        };

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        await using var db = Host.NewContext();
        var receipt = await db.RequestRecords.SingleAsync(r => r.Id == Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("x-request-id"));
        Assert.False(response.Headers.Contains("x-tokensforge-cost"));
        Assert.DoesNotContain("\"usage\"", body);
        Assert.EndsWith("data: [DONE]\n\n", body);
        Assert.False(receipt.Estimated);
        Assert.Equal(4, receipt.CompletionTokens);
        Assert.True(receipt.Stream);
    }
}
