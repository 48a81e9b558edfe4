using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

/// <summary>Bad input on /v1 is a 400 in OpenAI's shape before any pricing or upstream call, and moves no money.</summary>
public sealed class BadInputTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private const string Chat = "v1/chat/completions";
    private const string Embeddings = "v1/embeddings";

    public static TheoryData<string, string, string?, string> Cases => new()
    {
        // An output limit whose sum with the prompt overflowed 32 bits used to pass the context check and be priced.
        { Chat, """{"model":"gpt-4o-mini","max_tokens":2147483647,"messages":[{"role":"user","content":"hi"}]}""", null, "max_tokens" },
        { Chat, """{"model":"gpt-4o-mini","max_completion_tokens":2147483647,"messages":[{"role":"user","content":"hi"}]}""", null, "max_completion_tokens" },
        // Beyond the model's context but within the sane range: still refused before pricing.
        { Chat, """{"model":"gpt-4o-mini","max_tokens":9000000,"messages":[{"role":"user","content":"hi"}]}""", null, "messages" },
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":10000000}""", null, "dimensions" },
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":-1}""", null, "dimensions" },
        // A key too long to store is refused, never silently ignored (a retry would be charged again).
        { Chat, """{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""", new string('k', 256), "Idempotency-Key" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_Is400InOpenAiShape_AndMovesNoMoney(string path, string body, string? idempotencyKey, string param)
    {
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 5_000_000));
        var client = fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);

        var response = await client.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(response.Headers.Contains("x-tokensforge-receipt"));
        await using var db = fixture.Host.NewContext();
        var accounts = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId).ToListAsync();
        Assert.Equal(0, await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId)));
    }
}
