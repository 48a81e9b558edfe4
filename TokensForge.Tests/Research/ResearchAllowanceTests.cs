using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Ledger;
using TokensForge.Core.Research;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Research;

/// <summary>The daily allowance is enforced by the database: parallel requests never pass it, on SQLite and on PostgreSQL.</summary>
public sealed class ResearchAllowanceTests
{
    private const long Worst = 1_000;

    private static Task<TestDatabase> CreateAsync(TestProvider provider, Action<ResearchOptions> configure) =>
        TestDatabase.CreateAsync(provider, services => services.Configure(configure));

    private static async Task<RouteCandidate> RouteAsync(TestDatabase db)
    {
        await db.Get<SimulatorRoutes>().EnsureAsync();
        return (await db.Get<RouteCatalog>().GetAsync()).Find("gpt-4o-mini")!.Routes.Single(r => r.Kind == RouteKind.Routed);
    }

    private static async Task<int> PlaceInParallelAsync(TestDatabase db, string userId, RouteCandidate route, int count)
    {
        var allowance = db.Get<ResearchAllowance>();
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() =>
            allowance.SponsorFor(userId).PlaceAsync(userId, route, Worst, TimeSpan.FromMinutes(5), $"receipt-{i}", CancellationToken.None))));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(ResearchErrors.AllowanceExhausted, r.Error));
        return results.Count(r => r.Succeeded);
    }

    [Theory]
    [InlineData(TestProvider.Sqlite)]
    public Task ParallelRequests_NeverPassTheDailyRequestCount_Sqlite(TestProvider provider) => RequestCountAsync(provider);

    [SkippableFact]
    public Task ParallelRequests_NeverPassTheDailyRequestCount_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        return RequestCountAsync(TestProvider.Postgres);
    }

    private static async Task RequestCountAsync(TestProvider provider)
    {
        await using var db = await CreateAsync(provider, o => o.DailyRequests = 5);
        var route = await RouteAsync(db);
        var userId = await db.AddUserAsync();

        var placed = await PlaceInParallelAsync(db, userId, route, 24);

        Assert.Equal(5, placed);
        await using var data = db.NewContext();
        var row = await data.ResearchAllowanceDays.SingleAsync(a => a.UserId == userId);
        Assert.Equal((5, 5 * Worst, 0L), (row.Requests, row.Reserved, row.Spent));
        var research = await data.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.ResearchId);
        Assert.Equal(5 * Worst, research.DebitsPending);
    }

    [Theory]
    [InlineData(TestProvider.Sqlite)]
    public Task ParallelRequests_NeverPassTheDailyAmount_Sqlite(TestProvider provider) => AmountAsync(provider);

    [SkippableFact]
    public Task ParallelRequests_NeverPassTheDailyAmount_Postgres()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        return AmountAsync(TestProvider.Postgres);
    }

    private static async Task AmountAsync(TestProvider provider)
    {
        await using var db = await CreateAsync(provider, o => o.DailyAmountMicros = 3 * Worst + 999);
        var route = await RouteAsync(db);
        var userId = await db.AddUserAsync();

        var placed = await PlaceInParallelAsync(db, userId, route, 16);

        Assert.Equal(3, placed);
        var status = await db.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal((3, 3 * Worst, 999L), (status.RequestsUsed, status.Reserved, status.AmountLeft));
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [Fact]
    public async Task Release_GivesBackTheReservationAndTheRequest()
    {
        await using var db = await CreateAsync(TestProvider.Sqlite, o => o.DailyRequests = 1);
        var route = await RouteAsync(db);
        var userId = await db.AddUserAsync();
        var sponsor = db.Get<ResearchAllowance>().SponsorFor(userId);
        var hold = await sponsor.PlaceAsync(userId, route, Worst, TimeSpan.FromMinutes(5), "r1", CancellationToken.None);
        Assert.True(hold.Succeeded);
        Assert.Equal(ResearchAllowance.PaidByLabel, Assert.Single(hold.Value!.Parts).SourceLabel);

        await db.Get<HoldService>().ReleaseAsync(hold.Value!);
        await sponsor.ReleaseAsync(Worst, CancellationToken.None);

        var status = await db.Get<ResearchAllowance>().TodayAsync(userId);
        Assert.Equal((0, 0L, 0L), (status.RequestsUsed, status.Reserved, status.Spent));
        var again = await db.Get<ResearchAllowance>().SponsorFor(userId).PlaceAsync(userId, route, Worst, TimeSpan.FromMinutes(5), "r2", CancellationToken.None);
        Assert.True(again.Succeeded);
    }

    [Fact]
    public async Task Day_FollowsTheConfiguredUtcOffset()
    {
        await using var db = await CreateAsync(TestProvider.Sqlite, o => o.DayUtcOffset = TimeSpan.FromHours(8));
        var allowance = db.Get<ResearchAllowance>();

        Assert.Equal(new DateOnly(2026, 6, 1), allowance.DayOf(new DateTimeOffset(2026, 6, 1, 15, 59, 59, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2026, 6, 2), allowance.DayOf(new DateTimeOffset(2026, 6, 1, 16, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTime(2026, 6, 1, 16, 0, 0, DateTimeKind.Utc), allowance.EndOf(new DateOnly(2026, 6, 1)));
    }

    [Fact]
    public async Task Sponsor_RefusesToPayForAnotherUser()
    {
        await using var db = await CreateAsync(TestProvider.Sqlite, _ => { });
        var route = await RouteAsync(db);
        var sponsor = db.Get<ResearchAllowance>().SponsorFor(await db.AddUserAsync());
        var someoneElse = await db.AddUserAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            sponsor.PlaceAsync(someoneElse, route, Worst, TimeSpan.FromMinutes(5), "r", CancellationToken.None));
    }
}
