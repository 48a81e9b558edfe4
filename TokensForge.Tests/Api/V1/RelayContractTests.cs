using System.Net;
using System.Text;
using System.Text.Json;
using TokensForge.Core.Upstreams;
using TokensForge.Tests.Gateway;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.FailoverFixture;

namespace TokensForge.Tests.Api.V1;

/// <summary>Relayed chat answers keep OpenAI's shape byte for byte where SDKs care: explicit nulls, UTF-8 text, photo-sized bodies.</summary>
public sealed class RelayContractTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private async Task<(HttpClient Client, string Model, FakeUpstream Upstream)> RouteAsync(FakeMode mode)
    {
        var (model, routes) = await FailoverFixture.RoutesAsync(fixture.Host, new FakeRouteSpec(mode));
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 5_000_000));
        return (fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret), model, routes[0].Upstream);
    }

    [Fact]
    public async Task ToolCallAnswer_KeepsContentAndRefusalNull()
    {
        var (client, model, upstream) = await RouteAsync(FakeMode.ToolCall);
        await using var _ = upstream;

        var (response, body, _) = await SendAsync(client, Chat(model, stream: false));
        using var json = JsonDocument.Parse(body);
        var message = json.RootElement.GetProperty("choices")[0].GetProperty("message");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        Assert.Equal("get_weather", message.GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task StreamedToolCall_KeepsTheNullsItWasSent_AndAddsNoneToOtherDeltas()
    {
        var (client, model, upstream) = await RouteAsync(FakeMode.ToolCall);
        await using var _ = upstream;

        var (response, body, _) = await SendAsync(client, Chat(model, stream: true));
        var deltas = body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement).Where(e => e.GetProperty("choices").GetArrayLength() > 0)
            .Select(e => e.GetProperty("choices")[0].GetProperty("delta")).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, deltas[0].GetProperty("content").ValueKind);
        Assert.Equal(JsonValueKind.Null, deltas[0].GetProperty("refusal").ValueKind);
        Assert.Equal("{}", deltas[^1].GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChineseAnswer_IsWrittenAsUtf8_NotEscaped(bool stream)
    {
        var (client, model, upstream) = await RouteAsync(FakeMode.Succeed);
        await using var _ = upstream;
        upstream.ReplyWord = "你好";

        var (response, body, _) = await SendAsync(client, Chat(model, stream));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(stream ? "\"content\":\"你好\"" : "\"content\":\"你好你好你好", body);
        Assert.DoesNotContain("\\u4F60", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void OutsideV1_JsonKeepsItsHtmlSafeEscaping()
    {
        // Only the relay's writer is relaxed; the shared contract context still escapes for HTML.
        var text = JsonSerializer.Serialize("<b>你好</b>", OpenAiJsonContext.Default.String);

        Assert.Equal("\"\\u003Cb\\u003E\\u4F60\\u597D\\u003C/b\\u003E\"", text);
        Assert.Equal("\"<b>你好</b>\"", JsonSerializer.Serialize("<b>你好</b>", RelayJson.Options));
    }

    [Fact]
    public async Task InlinePhoto_OfSeveralMegabytes_IsAccepted_ByDefault()
    {
        var (userId, _) = await fixture.Host.AddUserAsync(("routed", 5_000_000));
        var client = fixture.Host.Client((await fixture.Host.CreateKeyAsync(userId)).Secret);

        var response = await client.SendAsync(PhotoRequest(megabytes: 6));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task InlinePhoto_OverAConfiguredLimit_Is400InOpenAiShape()
    {
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["Gateway:MaxRequestBodyBytes"] = (2 * 1024 * 1024).ToString() });
        var (userId, _) = await host.AddUserAsync(("routed", 5_000_000));
        var client = host.Client((await host.CreateKeyAsync(userId)).Secret);

        var response = await client.SendAsync(PhotoRequest(megabytes: 3));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("larger than", json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>A chat request carrying a JPEG-sized photo as a base64 data URL, as SDKs send local images.</summary>
    private static HttpRequestMessage PhotoRequest(int megabytes)
    {
        var photo = new byte[megabytes * 1024 * 1024];
        new Random(7).NextBytes(photo);
        var body = $$$"""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"What is in this photo?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,{{{Convert.ToBase64String(photo)}}}"}}]}]}""";
        return new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }
}
