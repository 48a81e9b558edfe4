using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Accounts;

/// <summary>Password guessing over HTTP against the static SSR login form.</summary>
public sealed class LoginThrottlingTests
{
    private const string Email = "guessed@test.local";
    private const string Password = "Right-pass-1";

    private static async Task<TokensForgeApp> AppWithUserAsync(Dictionary<string, string?>? settings = null)
    {
        var app = new TokensForgeApp(settings);
        _ = app.Server;
        await using var scope = app.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().CreateAsync(Email, Password)).Succeeded);
        return app;
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string password) =>
        client.SubmitFormAsync("/Account/Login", new Dictionary<string, string> { ["Input.Email"] = Email, ["Input.Password"] = password });

    private static async Task<ApplicationUser> UserAsync(TokensForgeApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(Email))!;
    }

    [Fact]
    public async Task Login_FiveWrongPasswords_LocksAccount_RightPasswordRefusedWithMessage_AcceptedAfterLockoutEnds()
    {
        using var app = await AppWithUserAsync();
        using var client = app.FormClient();

        for (var i = 1; i <= 4; i++)
        {
            var wrong = await LoginAsync(client, $"Wrong-pass-{i}");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("Invalid login attempt", await wrong.Content.ReadAsStringAsync());
        }
        var fifth = await LoginAsync(client, "Wrong-pass-5");
        Assert.Contains("locked after too many failed sign-ins", await fifth.Content.ReadAsStringAsync());

        var right = await LoginAsync(client, Password);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("locked after too many failed sign-ins", await right.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/wallet")).StatusCode);
        var locked = await UserAsync(app);
        Assert.InRange(locked.LockoutEnd!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));

        // The window passes: Identity keeps the lockout end in the database, so move it to the past.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(Email))!, DateTimeOffset.UtcNow.AddSeconds(-1));
        }
        var after = await LoginAsync(client, Password);

        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/wallet")).StatusCode);
        Assert.Equal(0, (await UserAsync(app)).AccessFailedCount);
    }

    [Fact]
    public async Task LoginAndRegisterPosts_OverThePerAddressLimit_429ReadablePageWithRetryAfter()
    {
        using var app = await AppWithUserAsync(new Dictionary<string, string?> { ["Accounts:FormPostsPerMinute"] = "3" });
        using var client = app.FormClient();

        for (var i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "Wrong-pass-1")).StatusCode);
        var register = await client.SubmitFormAsync("/Account/Register", new Dictionary<string, string>
        {
            ["Input.Email"] = "new@example.com", ["Input.Password"] = "Pass-word-1", ["Input.ConfirmPassword"] = "Pass-word-1",
        });
        Assert.Equal(HttpStatusCode.Redirect, register.StatusCode);
        var throttled = await LoginAsync(client, Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter is not null);
        Assert.Contains("Too many attempts", await throttled.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);
    }
}
