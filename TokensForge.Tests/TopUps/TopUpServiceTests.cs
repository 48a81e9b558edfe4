using Microsoft.EntityFrameworkCore;
using TokensForge.Core.TopUps;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.TopUps;

public sealed class TopUpServiceTests
{
    [Theory]
    [InlineData("routed", 999_999, "amount_out_of_range")]
    [InlineData("routed", 50_000_000_001, "amount_out_of_range")]
    [InlineData("starter", 10_000_000, "bucket_not_purchasable")]
    [InlineData("routed", 10_000_000, "provider_unavailable", "nonexistent")]
    public async Task CreateAsync_InvalidRequest_FailsAndCreatesNothing(string bucket, long amount, string code, string provider = "manual")
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();

        var result = await db.Get<TopUpService>().CreateAsync(user, bucket, amount, provider);

        Assert.Equal(code, result.Error?.Code);
        await using var ctx = db.NewContext();
        Assert.Equal(0, await ctx.TopUpOrders.CountAsync());
    }

    [Fact]
    public async Task CreateAsync_TestProviderDisabled_IsUnavailable()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();

        var result = await db.Get<TopUpService>().CreateAsync(user, "routed", 10_000_000, TestCheckoutProvider.ProviderKey);

        Assert.Equal(TopUpErrors.ProviderUnavailable, result.Error);
    }

    [Fact]
    public async Task CreateAsync_Manual_GivesPendingOrderWithReferenceAndInstructions()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync("buyer@test.local");

        var result = await db.Get<TopUpService>().CreateAsync(user, "official", 100_000_000, ManualTransferProvider.ProviderKey);

        var created = result.Value!;
        Assert.Equal(TopUpStatus.Pending, created.Order.Status);
        Assert.Matches("^TU-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$", created.Order.Reference);
        Assert.Equal("buyer@test.local", created.Order.UserEmail);
        Assert.Equal(CheckoutKind.Instructions, created.Checkout.Kind);
        Assert.False(string.IsNullOrWhiteSpace(created.Checkout.Instructions));
    }

    [Fact]
    public async Task CreateAsync_Gateway_RedirectsToConfiguredCheckout()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();

        var created = (await db.Get<TopUpService>().CreateAsync(user, "routed", 12_500_000, GatewayProvider.ProviderKey)).Value!;

        Assert.Equal(CheckoutKind.Redirect, created.Checkout.Kind);
        Assert.Equal($"https://pay.example/checkout?ref={created.Order.Reference}&amount=12.500000", created.Checkout.Url);
    }

    [Fact]
    public async Task ConfirmAsync_ManualOrder_CreditsOnceEvenWhenClickedTwice()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 30_000_000, "official", ManualTransferProvider.ProviderKey);
        var service = db.Get<TopUpService>();

        var results = await Task.WhenAll(Task.Run(() => service.ConfirmAsync(order.Id, "finance@test.local")),
            Task.Run(() => service.ConfirmAsync(order.Id, "admin@test.local")));

        Assert.Single(results, r => r.Succeeded);
        Assert.Equal("order_not_confirmable", Assert.Single(results, r => !r.Succeeded).Error!.Code);
        var credited = await TopUpTestKit.OrderAsync(db, order.Id);
        Assert.Equal(TopUpStatus.Credited, credited.Status);
        Assert.NotNull(credited.ConfirmedBy);
        await using var ctx = db.NewContext();
        var grant = await ctx.CreditGrants.SingleAsync(g => g.UserId == user);
        Assert.Equal((30_000_000L, 60), (grant.OriginalAmount, grant.Priority));
        var audit = Assert.Single(await ctx.AuditEvents.ToListAsync());
        Assert.Equal(("topup.confirm", $"topup:{order.Reference}"), (audit.Action, audit.Target));
        Assert.Equal(credited.ConfirmedBy, audit.Actor);
        Assert.True((await db.Get<TokensForge.Core.Audit.AuditVerifier>().VerifyAsync()).Ok);
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }

    [Fact]
    public async Task ConfirmAsync_WebhookOrder_IsRefused()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 30_000_000);

        var result = await db.Get<TopUpService>().ConfirmAsync(order.Id, "admin");

        Assert.Equal(TopUpErrors.NotManualOrder, result.Error);
        Assert.Equal(TopUpStatus.Pending, (await TopUpTestKit.OrderAsync(db, order.Id)).Status);
    }

    [Fact]
    public async Task ListAsync_FiltersByStatusAndSearch()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var alice = await db.AddUserAsync("alice@test.local");
        var bob = await db.AddUserAsync("bob@test.local");
        var a1 = await TopUpTestKit.CreateOrderAsync(db, alice, 10_000_000, provider: "manual");
        await TopUpTestKit.CreateOrderAsync(db, alice, 20_000_000, provider: "manual");
        var b1 = await TopUpTestKit.CreateOrderAsync(db, bob, 30_000_000, provider: "manual");
        await db.Get<TopUpService>().ConfirmAsync(a1.Id, "finance");

        var service = db.Get<TopUpService>();
        var pending = await service.ListAsync(new TopUpOrderQuery(Status: TopUpStatus.Pending));
        var bobs = await service.ListAsync(new TopUpOrderQuery(Search: "bob@"));
        var byReference = await service.ListAsync(new TopUpOrderQuery(Search: b1.Reference.ToLowerInvariant()));
        var mine = await service.ListForUserAsync(alice);

        Assert.Equal(2, pending.TotalCount);
        Assert.Equal(b1.Id, Assert.Single(bobs.Items).Id);
        Assert.Equal(b1.Id, Assert.Single(byReference.Items).Id);
        Assert.Equal(2, mine.Count);
        Assert.All(mine, o => Assert.Equal(alice, o.UserId));
    }

    [Fact]
    public async Task PaidButNotCreditable_StaysPaid_ThenCreditNowCreditsOnce()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        var order = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000);
        await using (var ctx = db.NewContext())
        {
            // A bucket that does not exist (yet): crediting must fail without losing the payment.
            await ctx.Database.OpenConnectionAsync();
            await ctx.Database.ExecuteSqlRawAsync("PRAGMA foreign_keys = OFF;");
            await ctx.Database.ExecuteSqlRawAsync("UPDATE top_up_orders SET \"BucketKey\" = 'gold' WHERE \"Id\" = {0}", order.Id);
        }

        var paid = await TopUpTestKit.DeliverAsync(db, order, "paid", "evt_paid");

        Assert.Equal(TopUpStatus.Paid, paid.Transition!.Status);
        Assert.Contains("unknown_bucket", paid.Transition.Outcome);
        await using (var ctx = db.NewContext())
        {
            Assert.Equal(0, await ctx.CreditGrants.CountAsync());
            Assert.Equal(0, await ctx.LedgerAccounts.CountAsync(a => a.UserId == user));
            await ctx.Database.ExecuteSqlRawAsync("INSERT INTO buckets (\"Key\", \"DisplayName\", \"PaysOfficial\", \"PaysRouted\", \"SortOrder\") VALUES ('gold', 'Gold', 0, 1, 9)");
        }
        var service = db.Get<TopUpService>();
        var retried = await service.ConfirmAsync(order.Id, "finance");
        var again = await service.ConfirmAsync(order.Id, "finance");

        Assert.Equal(TopUpStatus.Credited, retried.Value!.Status);
        Assert.Equal("order_not_confirmable", again.Error?.Code);
        await using (var ctx = db.NewContext())
            Assert.Equal(10_000_000, (await ctx.CreditGrants.SingleAsync()).OriginalAmount);
        await TopUpTestKit.AssertLedgerOkAsync(db);
    }
}
