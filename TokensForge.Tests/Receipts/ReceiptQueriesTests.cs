using TokensForge.Core.ApiKeys;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Receipts;

public sealed class ReceiptQueriesTests
{
    [Fact]
    public async Task List_FiltersByKeyModelStatusAndDate_NewestFirst_OnlyTheUsers()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (other, _) = await FundedUserAsync(db);
        var key = (await db.Get<ApiKeyService>().CreateAsync(user, "k", new ApiKeyPolicy())).Value!.Key.Id;
        var start = db.Time.GetUtcNow().UtcDateTime;
        var a = await WriteAsync(db, user, RequestStatus.Succeeded, 100, key);
        var b = await WriteAsync(db, user, RequestStatus.Failed, 0);
        db.Time.Advance(TimeSpan.FromDays(2));
        var c = await WriteAsync(db, user, RequestStatus.Partial, 50, key, model: "gpt-4o");
        await WriteAsync(db, other, RequestStatus.Succeeded, 100);
        var queries = db.Get<ReceiptQueries>();

        Task<IReadOnlyList<Guid>> Ids(ReceiptFilter filter) => queries.ListAsync(filter, 0, 50).ContinueWith(t => (IReadOnlyList<Guid>)t.Result.Items.Select(r => r.Id).ToList());

        Assert.Equal([c, b, a], await Ids(new ReceiptFilter(user)));
        Assert.Equal([c, a], await Ids(new ReceiptFilter(user, ApiKeyId: key)));
        Assert.Equal([c], await Ids(new ReceiptFilter(user, Model: "gpt-4o")));
        Assert.Equal([b], await Ids(new ReceiptFilter(user, Status: RequestStatus.Failed)));
        Assert.Equal([b, a], await Ids(new ReceiptFilter(user, From: start, To: start.AddDays(1))));
        var page = await queries.ListAsync(new ReceiptFilter(user), 1, 2);
        Assert.Equal(3, page.TotalCount);
        Assert.Equal([a], page.Items.Select(r => r.Id));
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], await queries.ModelsUsedAsync(user));
    }

    [Fact]
    public async Task Get_ShowsPaidByTransfersAndSnapshot_OnlyToTheOwnerOrAnAdmin()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var (stranger, _) = await FundedUserAsync(db);
        var id = await WriteAsync(db, user, RequestStatus.Succeeded, 420);
        var queries = db.Get<ReceiptQueries>();

        var mine = await queries.GetAsync(id, user);
        var theirs = await queries.GetAsync(id, stranger);
        var admin = await queries.GetAsync(id, null);

        Assert.Null(theirs);
        Assert.NotNull(admin);
        Assert.Equal(420, mine!.Cost);
        var part = Assert.Single(mine.PaidBy);
        Assert.Equal(("routed", "Routed balance", 420L), (part.BucketKey, part.BucketName, part.Amount));
        Assert.Equal([TransferFlags.Pending, TransferFlags.PostPending], mine.Transfers.Select(t => t.Flags));
        Assert.Equal(part.TransferId, mine.Transfers[1].Id);
        Assert.Equal(ReceiptTestData.Held, mine.Transfers[0].Amount);
        Assert.StartsWith("user:" + user, mine.Transfers[0].DebitAccount);
        Assert.Equal(SystemAccounts.RevenueRouted, mine.Transfers[0].CreditAccount);
        Assert.NotNull(mine.Price);
        Assert.Equal(756_000, mine.Price!.InputPrice);
    }
}
