using System.Net;
using CsvHelper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Api.Admin;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Api.Admin;

/// <summary>Every admin page and download: admins only; a signed-in plain user gets 403, an anonymous visitor the login page.</summary>
public sealed class AdminAuthorizationTests
{
    private static readonly Guid SomeId = Guid.Parse("0193a1b2-0000-7000-8000-000000000001");

    public static TheoryData<string> AdminRoutes() =>
    [
        "/admin",
        "/admin/audit",
        "/admin/campaigns",
        $"/admin/campaigns/{SomeId}",
        "/admin/codes",
        $"/admin/codes?campaign={SomeId}",
        "/admin/codes/generate",
        "/admin/redemptions",
        AdminEndpoints.CodeBatchCsvUrl(SomeId),
    ];

    private static async Task<TokensForgeApp> AppWithUserAsync()
    {
        var app = new TokensForgeApp();
        _ = app.Server;
        await using var scope = app.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().CreateAsync("user@test.local", "User-pass-1")).Succeeded);
        return app;
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task AdminRoute_PlainUser_Gets403(string path)
    {
        using var app = await AppWithUserAsync();
        using var client = await app.LoggedInClientAsync("user@test.local", "User-pass-1");

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("TF-", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task AdminRoute_Anonymous_RedirectsToLogin(string path)
    {
        using var app = new TokensForgeApp();
        using var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location!.PathAndQuery);
    }

    [Theory]
    [InlineData("/admin/campaigns")]
    [InlineData("/admin/codes")]
    [InlineData("/admin/codes/generate")]
    [InlineData("/admin/redemptions")]
    [InlineData("/admin/audit")]
    public async Task AdminPage_Admin_IsServed(string path)
    {
        using var app = new TokensForgeApp();
        using var client = await app.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task CodeBatchCsv_Admin_DownloadsExactlyTheBatch_UnknownBatchIs404()
    {
        using var app = new TokensForgeApp();
        using var client = await app.LoggedInClientAsync(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword);
        var campaigns = app.Get<CampaignService>();
        var campaign = (await campaigns.CreateAsync(new CampaignDraft("Flyers", CampaignKind.Promo, Bucket.Routed, 1_000_000), "test")).Value!;
        var batch = (await campaigns.GenerateCodesAsync(campaign.Id, 50, 1, "test")).Value!;
        await campaigns.GenerateCodesAsync(campaign.Id, 7, 1, "test");

        var response = await client.GetAsync(AdminEndpoints.CodeBatchCsvUrl(batch.BatchId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(CodeBatchCsv.FileName(batch.BatchId), response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var rows = CsvReader.FromText(await response.Content.ReadAsStringAsync()).GetRecords<CodeBatchCsvRow>().ToList();
        Assert.Equal(batch.Codes.Order(StringComparer.Ordinal), rows.Select(r => r.Code).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal("Flyers", r.Campaign));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(AdminEndpoints.CodeBatchCsvUrl(Guid.NewGuid()))).StatusCode);
    }
}
