using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Budgets;

/// <summary>
/// Budgets reserved with the hold, given back on a free failure, windows that reset at the budget time zone's
/// midnight without any job, and a crash that leaves nothing counted once the hold expires.
/// </summary>
public sealed class BudgetHoldTests
{
    private const long Worst = 4_000;

    private static readonly RouteCandidate Route = TestRoutes.HoldOnly("budget route");

    /// <summary>23:59:59.9999999 on 2026-12-03 in Shanghai: the last tick of the budget day.</summary>
    private static readonly DateTimeOffset LastTickOfTheDay = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero).AddTicks(-1);

    private static Task<TestDatabase> StartAsync(TestProvider provider) =>
        TestDatabase.CreateAsync(provider, services => services.Configure<BudgetOptions>(o => o.TimeZone = "Asia/Shanghai"),
            time: new FakeTimeProvider(LastTickOfTheDay));

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task DailyBudget_UsableAtTheLastTickOfTheDay_RefusedWithWhenItResets_FreedByARelease_ResetAtTheFirstTickOfTheNext(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await StartAsync(provider);
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, 100 * Worst);
        Assert.True((await db.Get<BudgetService>().SetAsync(userId, null, BudgetPeriod.Day, 2 * Worst)).Succeeded);
        var planner = db.Get<HoldPlanner>();
        var caller = GatewayCaller.Playground(userId, RoutePreference.Auto, "req-budget");

        var (first, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        var (second, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        var (third, refusal) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(third);
        Assert.Equal(ReceiptReasons.BudgetExceeded, refusal!.Reason);
        Assert.True(refusal.AnyKind);
        Assert.Equal("Your account's daily budget of ¥0.008 cannot cover this request: ¥0.008 is spent or held and the request may cost up to ¥0.004. "
            + "It resets at 2026-12-04 00:00 Asia/Shanghai.", refusal.Message);
        // The refused hold took nothing from the wallet either.
        Assert.Equal(98 * Worst, (await db.Get<WalletQueries>().GetBucketsAsync(userId)).Sum(b => b.Available));

        // A free failure gives its reservation back at once.
        await planner.ReleaseAsync(first!, caller, Guid.CreateVersion7());
        Assert.Equal(Worst, await ReservedAsync(db, userId, LastTickOfTheDay.UtcDateTime));
        var (afterRelease, _) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        Assert.NotNull(afterRelease);

        // The first tick of the next day is a new window: the whole budget again, while yesterday's holds stay on yesterday.
        db.Time.Advance(TimeSpan.FromTicks(1));
        var (nextDay, _) = await planner.PlaceOneAsync(caller, Route, 2 * Worst, Guid.CreateVersion7(), default);
        Assert.NotNull(nextDay);
        Assert.Equal(2 * Worst, await ReservedAsync(db, userId, LastTickOfTheDay.UtcDateTime));
        Assert.Equal(2 * Worst, await ReservedAsync(db, userId, db.Time.GetUtcNow().UtcDateTime));
        var verification = await db.Get<LedgerVerifier>().VerifyAsync();
        Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task KeyAndAccountBudgets_BothApply_TheKeysNamedInTheRefusal_ACrashedHoldsReservationIsSweptWhenItExpires(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await StartAsync(provider);
        var userId = await db.AddUserAsync();
        await GrantAsync(db, userId, Bucket.Routed, 100 * Worst);
        var created = (await db.Get<ApiKeyService>().CreateAsync(userId, "budgeted", new ApiKeyPolicy())).Value!;
        var budgets = db.Get<BudgetService>();
        Assert.True((await budgets.SetAsync(userId, created.Key.Id, BudgetPeriod.Week, 3 * Worst)).Succeeded);
        Assert.True((await budgets.SetAsync(userId, null, BudgetPeriod.Month, 10 * Worst)).Succeeded);
        var key = (await db.Get<ApiKeyAuthenticator>().AuthenticateAsync("Bearer " + created.Secret)).Value!;
        Assert.Equal(2, key.Budgets!.Count);
        var caller = GatewayCaller.WithKey(key, "req-key-budget", null);
        var planner = db.Get<HoldPlanner>();

        // The instance holding these dies before any receipt.
        for (var i = 0; i < 3; i++) Assert.NotNull((await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default)).Placed);
        var (refused, refusal) = await planner.PlaceOneAsync(caller, Route, Worst, Guid.CreateVersion7(), default);
        Assert.Null(refused);
        Assert.StartsWith("This API key's weekly budget of ¥0.012", refusal!.Message);
        Assert.EndsWith("It resets at 2026-12-07 00:00 Asia/Shanghai.", refusal.Message);
        // The account's budget holds what the key's held: they are the same requests.
        var usage = await budgets.UsageAsync(userId);
        Assert.Equal([3 * Worst, 3 * Worst], usage.Select(u => u.Reserved));
        Assert.Equal(created.Key.Id, usage.Single(u => u.Scope == BudgetScope.Key).KeyId);

        db.Time.Advance(db.Get<IOptions<GatewayOptions>>().Value.HoldTimeout - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await db.Get<BudgetReservationSweeper>().RunOnceAsync());
        db.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(3, await db.Get<HoldSweeper>().RunOnceAsync());
        Assert.Equal(3, await db.Get<BudgetReservationSweeper>().RunOnceAsync());
        Assert.Equal(0, await db.Get<BudgetReservationSweeper>().RunOnceAsync());

        Assert.All(await budgets.UsageAsync(userId), u => Assert.Equal((0L, 0L), (u.Reserved, u.Spent)));
        await using (var ctx = db.NewContext()) Assert.Empty(await ctx.BudgetReservations.ToListAsync());
        Assert.NotNull((await planner.PlaceOneAsync(caller, Route, 3 * Worst, Guid.CreateVersion7(), default)).Placed);
    }

    [Fact]
    public async Task Budgets_AreValidated_AndOnlyOnTheUsersOwnKeys()
    {
        await using var db = await StartAsync(TestProvider.Sqlite);
        var owner = await db.AddUserAsync();
        var stranger = await db.AddUserAsync();
        var created = (await db.Get<ApiKeyService>().CreateAsync(owner, "mine", new ApiKeyPolicy())).Value!;
        var budgets = db.Get<BudgetService>();

        Assert.Equal(BudgetErrors.InvalidLimit, (await budgets.SetAsync(owner, null, BudgetPeriod.Day, 0)).Error);
        Assert.Equal(BudgetErrors.KeyNotFound, (await budgets.SetAsync(stranger, created.Key.Id, BudgetPeriod.Day, Worst)).Error);
        Assert.True((await budgets.SetAsync(owner, created.Key.Id, BudgetPeriod.Day, Worst)).Succeeded);
        Assert.True((await budgets.SetAsync(owner, created.Key.Id, BudgetPeriod.Day, 2 * Worst)).Succeeded);
        Assert.Equal(2 * Worst, (await budgets.UsageAsync(owner)).Single().Limit);
        Assert.True((await budgets.SetAsync(owner, created.Key.Id, BudgetPeriod.Day, null)).Succeeded);
        Assert.Empty(await budgets.UsageAsync(owner));
        Assert.Empty(await budgets.UsageAsync(stranger));
    }

    private static async Task<long> ReservedAsync(TestDatabase db, string userId, DateTime at)
    {
        var start = db.Get<BudgetCalendar>().StartOf(BudgetPeriod.Day, at);
        await using var ctx = db.NewContext();
        return await ctx.BudgetWindows.Where(w => w.Start == start && ctx.Budgets.Any(b => b.Id == w.BudgetId && b.UserId == userId)).SumAsync(w => w.Reserved);
    }
}
