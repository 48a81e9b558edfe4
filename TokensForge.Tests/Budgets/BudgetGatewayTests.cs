using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Budgets;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.GatewayMoneyTests;

namespace TokensForge.Tests.Budgets;

/// <summary>
/// A daily budget under parallel load through real HTTP: the database decides, so exactly the requests it pays succeed,
/// also when two instances share one PostgreSQL database; the others get a 402 that names the budget.
/// </summary>
public sealed class BudgetGatewayTests
{
    private const int Paid = 37;
    private const int Parallel = 200;

    [Fact]
    public async Task TwoHundredParallelRequests_DailyBudgetPaysExactly37_Sqlite()
    {
        await using var host = GatewayHost.Start();
        await ParallelAgainstABudgetAsync(host, [host]);
    }

    [SkippableFact]
    public async Task TwoHundredParallelRequests_DailyBudgetPaysExactly37_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var host = await GatewayHost.StartOnPostgresAsync();
        await ParallelAgainstABudgetAsync(host, [host]);
    }

    [SkippableFact]
    public async Task TwoHundredParallelRequests_SplitAcrossTwoInstancesOnOnePostgres_DailyBudgetPaysExactly37()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var host = await GatewayHost.StartOnPostgresAsync();
        await using var other = host.StartAnotherInstance();
        await ParallelAgainstABudgetAsync(host, [host, other]);
    }

    private static async Task ParallelAgainstABudgetAsync(GatewayHost host, IReadOnlyList<GatewayHost> instances)
    {
        var (worst, cost) = Priced(host, "gpt-4o-mini", RouteKind.Routed);
        // The wallet could pay all of them: only the budget stops them.
        var (userId, _) = await host.AddUserAsync(("routed", Parallel * worst));
        var key = await host.CreateKeyAsync(userId);
        Assert.True((await host.Get<BudgetService>().SetAsync(userId, key.Key.Id, BudgetPeriod.Day, Paid * worst)).Succeeded);
        var clients = instances.Select(i => i.Client(key.Secret)).ToList();

        var responses = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => FillAsync(clients[i % clients.Count])));

        Assert.Equal(Paid, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.PaymentRequired).ToList();
        Assert.Equal(Parallel - Paid, refused.Count);
        var error = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.StartsWith("This API key's daily budget of ", error.GetProperty("message").GetString());
        Assert.Contains("It resets at ", error.GetProperty("message").GetString());

        await using var db = host.NewContext();
        var receipts = await db.RequestRecords.Where(r => r.UserId == userId).ToListAsync();
        Assert.Equal(Paid, receipts.Count(r => r.Status == RequestStatus.Succeeded && r.Cost == cost));
        Assert.Equal(Parallel - Paid, receipts.Count(r => r.Status == RequestStatus.Failed && r.Reason == ReceiptReasons.BudgetExceeded && r.Cost == 0));
        // The budget's window counts what the receipts charged, and nothing is left reserved.
        var window = await db.BudgetWindows.SingleAsync(w => db.Budgets.Any(b => b.Id == w.BudgetId && b.UserId == userId));
        Assert.Equal((Paid * cost, 0L), (window.Spent, window.Reserved));
        Assert.Empty(await db.BudgetReservations.Where(r => r.BudgetId == window.BudgetId).ToListAsync());
        var usage = (await host.Get<BudgetService>().UsageAsync(userId)).Single();
        Assert.Equal(Paid * cost, usage.Used);
        var verification = await host.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }
}
