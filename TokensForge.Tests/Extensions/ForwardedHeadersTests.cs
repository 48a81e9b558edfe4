using System.Net;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Extensions;

/// <summary>The client address behind a reverse proxy, seen through the per-address login throttle over real HTTP.</summary>
public sealed class ForwardedHeadersTests
{
    private static TokensForgeApp App(bool forwarding) => new(new Dictionary<string, string?>
    {
        ["Accounts:FormPostsPerMinute"] = "2",
        ["ForwardedHeaders:Enabled"] = forwarding ? "true" : "false",
        ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
    });

    private static async Task<HttpStatusCode> PostLoginAsync(TokensForgeApp app, string forwardedFor)
    {
        using var client = app.FormClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        var response = await client.SubmitFormAsync("/Account/Login", new Dictionary<string, string>
        {
            ["Input.Email"] = "nobody@example.com", ["Input.Password"] = "Wrong-pass-1",
        });
        return response.StatusCode;
    }

    [Theory]
    [InlineData(true, HttpStatusCode.OK)]
    [InlineData(false, HttpStatusCode.TooManyRequests)]
    public async Task LoginThrottle_TwoClientsBehindTheKnownProxy_CountedApartOnlyWhenForwardingIsOn(bool forwarding, HttpStatusCode secondClient)
    {
        using var app = App(forwarding);
        app.StartKestrel();

        Assert.Equal(HttpStatusCode.OK, await PostLoginAsync(app, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.OK, await PostLoginAsync(app, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await PostLoginAsync(app, "203.0.113.7"));

        Assert.Equal(secondClient, await PostLoginAsync(app, "203.0.113.8"));
    }

    [Fact]
    public void Startup_ForwardingWithoutKnownProxies_RefusedWithMessageNamingTheSetting()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["ForwardedHeaders:Enabled"] = "true" });

        var error = Assert.ThrowsAny<Exception>(() => app.Server);

        Assert.Contains("ForwardedHeaders:KnownProxies", error.ToString());
    }
}
