using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Users;

/// <summary>A disabled account over real HTTP: its keys get 401 <c>account_disabled</c> on <c>/v1</c> and it cannot sign in.</summary>
public sealed class DisabledAccountHttpTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private static readonly AdminActor Actor = new(TokensForgeApp.AdminEmail);

    private static async Task<JsonElement> ChatAsync(HttpClient client, HttpStatusCode expected)
    {
        var response = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    [Fact]
    public async Task DisabledAccount_KeyGets401AccountDisabled_InOpenAiShape_AndWorksAgainOnceEnabled()
    {
        var host = fixture.Host;
        var (userId, _) = await host.AddUserAsync((Bucket.Routed, 5_000_000));
        var key = await host.CreateKeyAsync(userId);
        using var client = host.Client(key.Secret);
        await ChatAsync(client, HttpStatusCode.OK);
        var admin = host.Get<UserAdminService>();

        Assert.True((await admin.DisableAsync(userId, Actor)).Succeeded);
        var refused = await ChatAsync(client, HttpStatusCode.Unauthorized);
        var models = await client.GetAsync("v1/models");

        var error = refused.GetProperty("error");
        Assert.Equal("account_disabled", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("disabled", error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);

        Assert.True((await admin.EnableAsync(userId, Actor)).Succeeded);
        await ChatAsync(client, HttpStatusCode.OK);
    }

    [Fact]
    public async Task DisabledAccount_KeyIsRefusedOnTheMessagesApiToo()
    {
        var host = fixture.Host;
        var (userId, _) = await host.AddUserAsync((Bucket.Routed, 5_000_000));
        var key = await host.CreateKeyAsync(userId);
        Assert.True((await host.Get<UserAdminService>().DisableAsync(userId, Actor)).Succeeded);
        using var client = host.Client(null);
        client.DefaultRequestHeaders.Add("x-api-key", key.Secret);
        client.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");

        var response = await client.PostAsJsonAsync("v1/messages", new { model = "gpt-4o-mini", max_tokens = 16, messages = new[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task DisabledAccount_CannotSignIn_AndCanAgainOnceEnabled()
    {
        var host = fixture.Host;
        var (userId, email) = await host.AddUserAsync();
        using (var before = await host.App.LoggedInClientAsync(email, "User-pass-1"))
            Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/wallet")).StatusCode);
        var admin = host.Get<UserAdminService>();

        Assert.True((await admin.DisableAsync(userId, Actor)).Succeeded);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.App.LoggedInClientAsync(email, "User-pass-1"));
        Assert.Contains("login of", refused.Message);

        Assert.True((await admin.EnableAsync(userId, Actor)).Succeeded);
        using var after = await host.App.LoggedInClientAsync(email, "User-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await after.GetAsync("/wallet")).StatusCode);
    }

    [Fact]
    public async Task DisabledAccount_RightPassword_IsToldTheAccountIsDisabled_AWrongOneGetsTheUsualRefusal()
    {
        var host = fixture.Host;
        var (userId, email) = await host.AddUserAsync();
        Assert.True((await host.Get<UserAdminService>().DisableAsync(userId, Actor)).Succeeded);

        async Task<string> LoginPageAsync(string password)
        {
            using var client = host.App.FormClient();
            var response = await client.SubmitFormAsync("/Account/Login", new Dictionary<string, string>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".AspNetCore.Identity.Application")));
            return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        }

        var right = await LoginPageAsync("User-pass-1");
        var wrong = await LoginPageAsync("Not-the-password-1");

        Assert.Contains("This account is disabled. Contact support.", right);
        Assert.DoesNotContain("Invalid login attempt", right);
        Assert.Contains("Invalid login attempt", wrong);
        Assert.DoesNotContain("account is disabled", wrong);
    }
}
