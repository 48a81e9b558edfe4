using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.TopUps;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.TopUps;

public sealed class PaymentWebhookProcessorTests
{
    [Theory]
    [InlineData("routed", 50)]
    [InlineData("official", 60)]
    public async Task HandleAsync_ValidPaidEvent_CreditsPaidGrantFromClearingOnce(string bucket, int priority)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 25_000_000, bucket);

        var first = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_1");
        var replay = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_1");

        Assert.Equal(WebhookStatus.Processed, first.Status);
        Assert.Equal(WebhookStatus.Duplicate, replay.Status);
        await using var ctx = db.NewContext();
        var grant = Assert.Single(await ctx.CreditGrants.Where(g => g.UserId == user).ToListAsync());
        Assert.Equal((bucket, GrantCategory.Paid, GrantSource.TopUp, priority, 25_000_000L), (grant.BucketKey, grant.Category, grant.Source, grant.Priority, grant.OriginalAmount));
        var funding = Assert.Single(await ctx.Transfers.Where(t => t.CreditAccountId == grant.AccountId).ToListAsync());
        Assert.Equal((SystemAccounts.PaymentsClearingId, TransferCode.TopUp, order.Id.ToString()), (funding.DebitAccountId, funding.Code, funding.Reference));
        var credited = await TopUpTestKit.OrderAsync(db, order.Id);
        Assert.Equal(TopUpStatus.Credited, credited.Status);
        Assert.Equal(grant.Id, credited.GrantId);
        Assert.Equal("psp-evt_1", credited.ProviderReference);
        Assert.Equal(1, await ctx.PaymentEvents.CountAsync());
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }

    [Fact]
    public async Task HandleAsync_SecondPaidEventWithOtherId_DoesNotCreditAgain()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);

        await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_a");
        var second = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_b");

        Assert.Equal(WebhookStatus.Processed, second.Status);
        Assert.False(second.Transition!.Changed);
        Assert.StartsWith("ignored", second.Transition.Outcome);
        await using var ctx = db.NewContext();
        Assert.Equal(1, await ctx.CreditGrants.CountAsync(g => g.UserId == user));
    }

    [Fact]
    public async Task HandleAsync_BadSignature_IsUnauthorizedAndCreditsNothing()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        var body = TopUpTestKit.Body(order, "paid", "evt_forged");
        var (ts, _) = TopUpTestKit.Sign(body, db.Time.GetUtcNow());
        var (_, wrongKey) = TopUpTestKit.Sign(body, db.Time.GetUtcNow(), secret: "another-secret-entirely-000");

        var forged = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, wrongKey, body);
        var unsigned = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, null, body);
        // A valid signature of another body must not pass for this one.
        var (_, otherBodySignature) = TopUpTestKit.Sign(TopUpTestKit.Body(order, "paid", "evt_other"), db.Time.GetUtcNow());
        var swapped = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, otherBodySignature, body);

        Assert.All(new[] { forged, unsigned, swapped }, r => Assert.Equal(WebhookStatus.Unauthorized, r.Status));
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.CreditGrants.CountAsync());
        Assert.Equal(0, await ctx.PaymentEvents.CountAsync());
        Assert.Equal(TopUpStatus.Pending, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task HandleAsync_TimestampOutsideFiveMinutes_IsBadRequest(int offsetSeconds)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        var body = TopUpTestKit.Body(order, "paid", "evt_stale");
        var (ts, signature) = TopUpTestKit.Sign(body, db.Time.GetUtcNow().AddSeconds(offsetSeconds));

        var result = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, signature, body);

        Assert.Equal(WebhookStatus.BadRequest, result.Status);
        Assert.Equal(TopUpErrors.TimestampStale, result.Error);
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.CreditGrants.CountAsync());
    }

    [Fact]
    public async Task HandleAsync_TimestampJustInsideWindow_IsAccepted()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        var body = TopUpTestKit.Body(order, "paid", "evt_old_but_fine");
        var (ts, signature) = TopUpTestKit.Sign(body, db.Time.GetUtcNow().AddSeconds(-299));

        var result = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, signature, body);

        Assert.Equal(WebhookStatus.Processed, result.Status);
    }

    [Fact]
    public async Task HandleAsync_SameEventIdWithDifferentBody_IsConflict()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_same");

        var reused = await TopUpTestKit.DeliverAsync(db, order, "refunded", "evt_same");

        Assert.Equal(WebhookStatus.Conflict, reused.Status);
        Assert.Equal(TopUpStatus.Credited, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
    }

    [Fact]
    public async Task HandleAsync_AmountDiffersFromOrder_IsUnprocessableAndCreditsNothing()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        var body = TopUpTestKit.Body(order, "paid", "evt_cheap", amount: 1_000_000);
        var (ts, signature) = TopUpTestKit.Sign(body, db.Time.GetUtcNow());

        var result = await db.Get<PaymentWebhookProcessor>().HandleAsync("test", ts, signature, body);

        Assert.Equal(WebhookStatus.Unprocessable, result.Status);
        Assert.Equal(TopUpErrors.AmountMismatch, result.Error);
        Assert.Equal(TopUpStatus.Pending, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
    }

    [Fact]
    public async Task HandleAsync_EventForManualOrder_IsRefused()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000, provider: ManualTransferProvider.ProviderKey);

        var viaTest = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_x");
        var viaManual = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_y", provider: ManualTransferProvider.ProviderKey);

        Assert.Equal(WebhookStatus.Unprocessable, viaTest.Status);
        Assert.Equal(WebhookStatus.NotFound, viaManual.Status);
        Assert.Equal(TopUpStatus.Pending, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
    }

    [Fact]
    public async Task HandleAsync_FailedThenPaid_EndsCredited()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);

        var failed = await TopUpTestKit.DeliverAsync(db, order, "failed", "evt_f");
        Assert.Equal(TopUpStatus.Failed, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
        var paid = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_p");

        Assert.Equal("failed", failed.Transition!.Outcome);
        Assert.Equal(TopUpStatus.Credited, paid.Transition!.Status);
        var final = await TopUpTestKit.OrderAsync(db, order.Id);
        Assert.NotNull(final.FailedAt);
        Assert.Equal(TopUpStatus.Credited, final.Status);
    }

    [Fact]
    public async Task HandleAsync_RefundBeforePaid_EndsRefundedWithNothingCredited()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);

        var refund = await TopUpTestKit.DeliverAsync(db, order, "refunded", "evt_refund");
        db.Time.Advance(TimeSpan.FromSeconds(3));
        var paid = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_paid");

        Assert.Equal(WebhookStatus.Processed, refund.Status);
        Assert.Equal(WebhookStatus.Processed, paid.Status);
        Assert.False(paid.Transition!.Changed);
        var final = await TopUpTestKit.OrderAsync(db, order.Id);
        Assert.Equal((TopUpStatus.Refunded, (Guid?)null, 0L, 0L), (final.Status, final.GrantId, final.RefundedAmount, final.UnrecoveredAmount));
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.CreditGrants.CountAsync(g => g.UserId == user));
        var clearing = await ctx.LedgerAccounts.SingleAsync(a => a.Id == SystemAccounts.PaymentsClearingId);
        Assert.Equal(0, clearing.CreditsPosted - clearing.DebitsPosted);
        // Both events are on record, in the order they arrived, with what they did.
        var outcomes = await ctx.PaymentEvents.OrderBy(e => e.ReceivedAt).Select(e => e.Outcome).ToListAsync();
        Assert.Equal(2, outcomes.Count);
        Assert.StartsWith("refunded before credit", outcomes[0]);
        Assert.StartsWith("ignored", outcomes[1]);
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }

    [Fact]
    public async Task HandleAsync_RefundAfterPartialSpend_TakesBackOnlyUnspentAndReportsTheRest()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_paid");
        var holds = db.Get<HoldService>();
        var spent = await holds.PlaceAsync(user, RouteKind.Routed, 3_000_000, TimeSpan.FromMinutes(5), "req-1");
        await holds.SettleAsync(spent.Value!, 2_500_000);
        var held = await holds.PlaceAsync(user, RouteKind.Routed, 1_000_000, TimeSpan.FromMinutes(5), "req-2");
        Assert.True(held.Succeeded);

        var refund = await TopUpTestKit.DeliverAsync(db, order, "refunded", "evt_refund");

        Assert.Equal(TopUpStatus.Refunded, refund.Transition!.Status);
        var final = await TopUpTestKit.OrderAsync(db, order.Id);
        Assert.Equal(6_500_000, final.RefundedAmount);
        Assert.Equal(3_500_000, final.UnrecoveredAmount);
        await using var ctx = db.NewContext();
        var grant = await ctx.CreditGrants.Include(g => g.Account).SingleAsync(g => g.UserId == user);
        Assert.Equal(1_000_000, grant.Account.CreditsPosted - grant.Account.DebitsPosted);
        Assert.Equal(0, grant.Account.Available);
        var reversal = await ctx.Transfers.SingleAsync(t => t.Code == TransferCode.Reversal);
        Assert.Equal((grant.AccountId, SystemAccounts.PaymentsClearingId, 6_500_000L), (reversal.DebitAccountId, reversal.CreditAccountId, reversal.Amount));
        await TopUpTestKit.AssertLedgerOkAsync(db);

        var replay = await TopUpTestKit.DeliverAsync(db, order, "refunded", "evt_refund");
        Assert.Equal(WebhookStatus.Duplicate, replay.Status);
        Assert.Equal(1, await ctx.Transfers.CountAsync(t => t.Code == TransferCode.Reversal));
    }

    [Fact]
    public async Task HandleAsync_SameEventTwiceConcurrently_Sqlite_CreditsOneGrant() =>
        await SameEventTwiceConcurrentlyCreditsOneGrant(TestProvider.Sqlite);

    [SkippableFact]
    public async Task HandleAsync_SameEventTwiceConcurrently_Postgres_CreditsOneGrant()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await SameEventTwiceConcurrentlyCreditsOneGrant(TestProvider.Postgres);
    }

    [SkippableFact]
    public async Task HandleAsync_RefundBeforePaid_Postgres_EndsRefunded()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TopUpTestKit.CreateDatabaseAsync(TestProvider.Postgres);
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);

        await TopUpTestKit.DeliverAsync(db, order, "refunded", "evt_refund");
        await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_paid");

        Assert.Equal(TopUpStatus.Refunded, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.CreditGrants.CountAsync(g => g.UserId == user));
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }

    [Fact]
    public Task HandleAsync_PaidAndRefundRacing_Sqlite_EndRefundedWithNothingLeft() => PaidAndRefundRacingAsync(TestProvider.Sqlite);

    [SkippableFact]
    public async Task HandleAsync_PaidAndRefundRacing_Postgres_EndRefundedWithNothingLeft()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await PaidAndRefundRacingAsync(TestProvider.Postgres);
    }

    /// <summary>Whichever of the two events wins, the order ends refunded and the wallet holds nothing of it.</summary>
    private static async Task PaidAndRefundRacingAsync(TestProvider provider)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(provider);
        var user = await db.AddUserAsync();
        var orders = new List<TopUpOrderView>();
        for (var i = 0; i < 6; i++) orders.Add(await TopUpTestKit.CreateOrderAsync(db, user, 1_000_000 * (i + 1)));

        var deliveries = orders.SelectMany(o => new[]
        {
            Task.Run(() => TopUpTestKit.DeliverAsync(db, o, "paid", $"evt_paid_{o.Id:N}")),
            Task.Run(() => TopUpTestKit.DeliverAsync(db, o, "refunded", $"evt_refund_{o.Id:N}")),
        });
        var results = await Task.WhenAll(deliveries);

        Assert.All(results, r => Assert.Equal(WebhookStatus.Processed, r.Status));
        foreach (var order in orders)
        {
            var final = await TopUpTestKit.OrderAsync(db, order.Id);
            Assert.Equal(TopUpStatus.Refunded, final.Status);
            Assert.Equal(0, final.UnrecoveredAmount);
            Assert.Equal(final.GrantId is null ? 0 : order.Amount, final.RefundedAmount);
        }
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.LedgerAccounts.Where(a => a.UserId == user).SumAsync(a => a.CreditsPosted - a.DebitsPosted));
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }

    private static async Task SameEventTwiceConcurrentlyCreditsOneGrant(TestProvider provider)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(provider);
        var user = await db.AddUserAsync();
        var orders = new List<TopUpOrderView>();
        for (var i = 0; i < 5; i++) orders.Add(await TopUpTestKit.CreateOrderAsync(db, user, 1_000_000 * (i + 1)));

        // Each order's paid event is delivered four times at once (as two instances receiving retries would).
        var deliveries = orders.SelectMany(o => Enumerable.Range(0, 4).Select(_ => Task.Run(() => TopUpTestKit.DeliverAsync(db, o, "paid", $"evt_{o.Id:N}"))));
        var results = await Task.WhenAll(deliveries);

        Assert.All(results, r => Assert.Contains(r.Status, new[] { WebhookStatus.Processed, WebhookStatus.Duplicate }));
        Assert.Equal(5, results.Count(r => r.Status == WebhookStatus.Processed && r.Transition!.Changed));
        await using var ctx = db.NewContext();
        var grants = await ctx.CreditGrants.Where(g => g.UserId == user).ToListAsync();
        Assert.Equal(5, grants.Count);
        Assert.Equal(orders.Sum(o => o.Amount), grants.Sum(g => g.OriginalAmount));
        Assert.Equal(5, await ctx.PaymentEvents.CountAsync());
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }
}
