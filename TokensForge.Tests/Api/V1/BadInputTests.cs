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
        // A limit beyond the model's context but within the sane range is lowered to the model's maximum output, not refused
        // (OutputLimitTests); one the model has no maximum for is checked against the context (HoldPreviewerTests).
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":10000000}""", null, "dimensions" },
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":-1}""", null, "dimensions" },
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":0}""", null, "dimensions" },
        { Embeddings, """{"model":"text-embedding-3-small","input":"hi","dimensions":16385}""", null, "dimensions" },
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

    /// <summary>Message content that is not valid Unicode: invalid UTF-8 bytes, or a lone surrogate in a JSON escape.</summary>
    public static TheoryData<string, byte[], string> UndecodableText => new()
    {
        { Chat, Utf8("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi ", [0xC3, 0x28, 0xFF], "\"}]}"), "messages" },
        { Chat, Utf8("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi \\ud800 there\"}]}"), "messages" },
        { Chat, Utf8("{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\\udc00\"}]}]}"), "messages" },
        { Embeddings, Utf8("{\"model\":\"text-embedding-3-small\",\"input\":\"hi ", [0xED, 0xA0, 0x80], "\"}"), "input" },
        { Embeddings, Utf8("{\"model\":\"text-embedding-3-small\",\"input\":[\"ok\",\"\\ud800\"]}"), "input" },
    };

    [Theory]
    [MemberData(nameof(UndecodableText))]
    public async Task UndecodableText_Is400InOpenAiShape_AndMovesNoMoney(string path, byte[] body, string param)
    {
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 5_000_000));
        var client = fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        var response = await client.PostAsync(path, content);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains("Unicode", error.GetProperty("message").GetString());
        Assert.False(response.Headers.Contains("x-tokensforge-receipt"));
        await using var db = fixture.Host.NewContext();
        var accounts = await db.CreditGrants.Where(g => g.UserId == userId).Select(g => g.AccountId).ToListAsync();
        Assert.Equal(0, await db.Transfers.CountAsync(t => accounts.Contains(t.DebitAccountId)));
        Assert.Equal(0, await db.RequestRecords.CountAsync(r => r.UserId == userId));
    }

    /// <summary>No /v1 path redirects to the login page: with or without a key, an unknown or malformed path is OpenAI's JSON.</summary>
    [Theory]
    [InlineData("GET", "v1/receipts/not-a-guid", true, 404, "receipt_not_found")]
    [InlineData("GET", "v1/receipts/not-a-guid", false, 401, "invalid_api_key")]
    [InlineData("GET", "v1/receipts/", true, 404, "unknown_url")]
    [InlineData("GET", "v1/receipts/a/b", true, 404, "unknown_url")]
    [InlineData("GET", "v1/nothing-here", false, 401, "invalid_api_key")]
    [InlineData("GET", "v1", true, 404, "unknown_url")]
    [InlineData("DELETE", "v1/chat/completions", true, 404, "unknown_url")]
    [InlineData("GET", "v1/models/a%2Fb", true, 404, "model_not_found")]
    [InlineData("GET", "v1/receipts/not-a-guid.json", true, 404, "receipt_not_found")]
    [InlineData("GET", "v1/unknown.txt", true, 404, "unknown_url")]
    [InlineData("GET", "v1/unknown.txt", false, 401, "invalid_api_key")]
    [InlineData("POST", "v1/receipts/not-a-guid", true, 404, "unknown_url")]
    public async Task V1Path_NeverRedirects_AnswersInOpenAiShape(string method, string path, bool withKey, int status, string code)
    {
        var (userId, _) = await fixture.Host.AddUserAsync();
        var secret = withKey ? (await fixture.Host.CreateKeyAsync(userId)).Secret : null;
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(fixture.Host.BaseUrl + "/") };
        if (secret is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html,application/json");

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(status == (int)response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {response.Headers.Location} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Utf8(string before, byte[] raw, string after) => [.. Utf8(before), .. raw, .. Utf8(after)];
}
