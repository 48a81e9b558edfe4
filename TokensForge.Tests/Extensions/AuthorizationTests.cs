using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Extensions;

public sealed class AuthorizationTests
{
    private static async Task<TokensForgeApp> AppWithUsersAsync()
    {
        var app = new TokensForgeApp();
        _ = app.Server;
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountBootstrapper>();
        Assert.True((await accounts.CreateAsync("user@test.local", "User-pass-1")).Succeeded);
        Assert.True((await accounts.CreateAsync("finance@test.local", "Finance-pass-1", Roles.Finance)).Succeeded);
        return app;
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/finance")]
    public async Task RolePages_PlainUser_Gets403WithReadablePage(string path)
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync("user@test.local", "User-pass-1");

        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Access denied", body);
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task FinancePage_FinanceUser_Allowed_AdminPageForbidden()
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync("finance@test.local", "Finance-pass-1");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/finance")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task AdminPages_ConfiguredFirstAdmin_Allowed()
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/finance")).StatusCode);
    }

    [Fact]
    public async Task Wallet_Anonymous_RedirectsToLogin()
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/wallet");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location!.PathAndQuery);
    }
}
