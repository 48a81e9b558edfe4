using TokensForge.Core.ApiKeys;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Receipts;

public sealed class RequestLogQueryTests
{
    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task List_EveryFilter_SelectsAcrossUsers_NewestFirst_WithAccountsAndKeysNamed(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var (alice, aliceEmail) = await FundedUserAsync(db);
        var (bob, bobEmail) = await FundedUserAsync(db);
        var granted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(bobEmail, Bucket.Official, 1_000_000, null, "test", "test"));
        Assert.True(granted.Succeeded);
        var keys = db.Get<ApiKeyService>();
        var notebook = (await keys.CreateAsync(alice, "Research notebook", new ApiKeyPolicy())).Value!.Key;
        var runner = (await keys.CreateAsync(bob, "CI runner", new ApiKeyPolicy())).Value!.Key;
        var start = db.Time.GetUtcNow().UtcDateTime;
        var a1 = await WriteAsync(db, alice, RequestStatus.Succeeded, 100, notebook.Id);
        var a2 = await WriteAsync(db, alice, RequestStatus.Failed, 0);
        db.Time.Advance(TimeSpan.FromDays(2));
        var b1 = await WriteAsync(db, bob, RequestStatus.Partial, 50, runner.Id, model: "gpt-4o");
        var b2 = await WriteAsync(db, bob, RequestStatus.Succeeded, 70, runner.Id, kind: RouteKind.Official);
        var log = db.Get<RequestLogQuery>();

        async Task<Guid[]> Ids(RequestLogFilter filter) => (await log.ListAsync(filter, 0, 50)).Items.Select(r => r.Id).ToArray();

        Assert.Equal([b2, b1, a2, a1], await Ids(new RequestLogFilter()));
        // An email matches exactly whatever its case; a part of one matches every account containing it.
        Assert.Equal([a2, a1], await Ids(new RequestLogFilter(User: aliceEmail.ToUpperInvariant())));
        Assert.Empty(await Ids(new RequestLogFilter(User: "x" + aliceEmail)));
        Assert.Equal([b2, b1, a2, a1], await Ids(new RequestLogFilter(User: "TEST.local")));
        Assert.Equal([b2, b1], await Ids(new RequestLogFilter(User: bobEmail[..12])));
        // A key by part of its name, any case, or by the start of its prefix as the grids print it.
        Assert.Equal([a1], await Ids(new RequestLogFilter(Key: "notebook")));
        Assert.Equal([b2, b1], await Ids(new RequestLogFilter(Key: runner.Prefix + "…")));
        Assert.Empty(await Ids(new RequestLogFilter(Key: "no such key")));
        Assert.Equal([b1], await Ids(new RequestLogFilter(Model: "gpt-4o")));
        Assert.Equal([b2], await Ids(new RequestLogFilter(Route: SimulatorRoutes.OfficialName)));
        Assert.Equal([b1, a2, a1], await Ids(new RequestLogFilter(Route: SimulatorRoutes.RoutedName)));
        Assert.Equal([a2], await Ids(new RequestLogFilter(Status: RequestStatus.Failed)));
        Assert.Equal([b1], await Ids(new RequestLogFilter(Status: RequestStatus.Partial)));
        Assert.Equal([a2, a1], await Ids(new RequestLogFilter(From: start, To: start.AddDays(1))));
        Assert.Equal([b2, b1], await Ids(new RequestLogFilter(From: start.AddDays(1))));
        Assert.Equal([b1], await Ids(new RequestLogFilter(User: bobEmail, Key: "ci", Model: "gpt-4o", Status: RequestStatus.Partial, From: start)));

        var page = await log.ListAsync(new RequestLogFilter(), 1, 3);
        Assert.Equal(4, page.TotalCount);
        var row = Assert.Single(page.Items);
        Assert.Equal((a1, alice, aliceEmail, "Research notebook", 100L, RequestStatus.Succeeded), (row.Id, row.UserId, row.UserEmail, row.ApiKeyName, row.Cost, row.Status));
        var (models, routes) = await log.ChoicesAsync();
        Assert.Contains("gpt-4o", models);
        Assert.Equal([SimulatorRoutes.OfficialName, SimulatorRoutes.RoutedName], routes.Order(StringComparer.Ordinal));
    }
}
