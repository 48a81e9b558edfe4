using System.Net;
using System.Net.Http.Json;
using System.Text;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Api.Exports;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Api.Exports;

public sealed class ExportEndpointsTests
{
    private const string Range = "from=2020-01-01&to=2099-12-31";

    public static TheoryData<string> Routes => new()
    {
        "/api/exports",
        "/api/exports/ledger?" + Range,
        "/api/exports/topups?" + Range,
        "/api/exports/reconciliation?" + Range,
        "/api/exports/ledger/count?" + Range,
        "/api/exports/topups/count?" + Range,
        "/api/exports/reconciliation/count?" + Range,
        "/api/exports/no-such-dataset?" + Range,
    };

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
    [MemberData(nameof(Routes))]
    public async Task ExportRoute_PlainUser_Gets403(string route)
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync("user@test.local", "User-pass-1");

        var response = await client.GetAsync(route);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("text/csv", response.Content.Headers.ContentType?.ToString() ?? "");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task ExportRoute_Anonymous_Gets401(string route)
    {
        using var app = await AppWithUsersAsync();
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(route);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("finance@test.local", "Finance-pass-1")]
    [InlineData(TokensForgeApp.AdminEmail, TokensForgeApp.AdminPassword)]
    public async Task LedgerExport_FinanceOrAdmin_StreamsCsvAttachment(string email, string password)
    {
        using var app = await AppWithUsersAsync();
        await app.Services.GetRequiredService<AdjustmentService>()
            .GrantAsync(new AdjustmentRequest("user@test.local", Bucket.Routed, 2_500_000, null, "=HYPERLINK(\"http://x\")", "test"));
        using var client = await app.LoggedInClientAsync(email, password);
        // A day either side, so the test cannot straddle midnight.
        var (from, to) = (DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd"), DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd"));

        var response = await client.GetAsync($"/api/exports/ledger?from={from}&to={to}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var count = await client.GetFromJsonAsync<ExportCount>($"/api/exports/ledger/count?from={from}&to={to}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"tokensforge-ledger-{from}_{to}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.True(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        using var reader = CsvReader.Create(new MemoryStream(bytes));
        var row = Assert.Single(reader.GetRecords<LedgerTransferRow>().ToList());
        Assert.Equal((2_500_000L, "'=HYPERLINK(\"http://x\")"), (row.AmountMicros, row.Memo));
        Assert.Equal(1, count!.Rows);
    }

    [Fact]
    public async Task ExportList_Finance_NamesTheDatasets()
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync("finance@test.local", "Finance-pass-1");

        var list = await client.GetFromJsonAsync<ExportDatasetInfo[]>("/api/exports");

        Assert.Equal(["ledger", "redemptions", "receipts", "failed", "topups", "codes", "audit", "reconciliation"], list!.Select(d => d.Name));
    }

    [Theory]
    [InlineData("/api/exports/ledger?from=2026-06-30&to=2026-06-01", HttpStatusCode.BadRequest)]
    [InlineData("/api/exports/ledger?from=yesterday&to=2026-06-01", HttpStatusCode.BadRequest)]
    [InlineData("/api/exports/ledger", HttpStatusCode.BadRequest)]
    [InlineData("/api/exports/nothing?from=2026-06-01&to=2026-06-02", HttpStatusCode.NotFound)]
    public async Task Export_BadRequestOrUnknownDataset_IsAnError(string route, HttpStatusCode expected)
    {
        using var app = await AppWithUsersAsync();
        using var client = await app.LoggedInClientAsync("finance@test.local", "Finance-pass-1");

        var response = await client.GetAsync(route);

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LedgerExport_ManyRows_StreamsTheWholeFileAsynchronously()
    {
        using var app = await AppWithUsersAsync();
        // Far more than the writer's 64 KiB buffer, so the response is written in many asynchronous chunks
        // (the test server, like Kestrel, refuses synchronous writes).
        var specs = Enumerable.Range(1, 3_000).Select(i => TransferSpec.Single(Guid.CreateVersion7(), SystemAccounts.PaymentsClearingId,
            SystemAccounts.AdjustmentsId, i, TransferCode.Adjust, $"bulk-{i}", "bulk row for the streaming test")).ToList();
        Assert.Equal(LedgerStatus.Created, (await app.Services.GetRequiredService<LedgerService>().SubmitAsync(Guid.CreateVersion7(), specs)).Status);
        using var client = await app.LoggedInClientAsync("finance@test.local", "Finance-pass-1");

        using var response = await client.GetAsync("/api/exports/ledger?" + Range, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = CsvReader.Create(body);
        var rows = reader.GetRecords<LedgerTransferRow>().ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3_000, rows.Count);
        Assert.Equal(3_000L * 3_001 / 2, rows.Sum(r => r.AmountMicros));
    }
}
