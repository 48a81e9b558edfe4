using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Api.V1;

public sealed class ChatCompletionsSmokeTests
{
    [Fact]
    public async Task ChatCompletion_WithFundedKey_AnswersAndWritesReceipt()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("routed", 1_000_000));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);

        var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Hello" } } });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.True(response.Headers.Contains("x-tokensforge-receipt"));
        using var json = JsonDocument.Parse(body);
        Assert.Equal("gpt-4o-mini", json.RootElement.GetProperty("model").GetString());
    }
}
