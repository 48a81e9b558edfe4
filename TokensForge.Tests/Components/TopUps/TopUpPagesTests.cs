using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokensForge.Core.TopUps;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;
using TokensForge.Web.Components.Pages.TopUps;

namespace TokensForge.Tests.Components.TopUps;

public sealed class TopUpPagesTests
{
    private static BunitContext ContextFor(TestDatabase db, string userId, params string[] roles)
    {
        var ctx = PageTestContext.Create(db.Services, "someone@test.local", userId, roles);
        ctx.Services.AddSingleton(db.Get<IOptions<PaymentsOptions>>());
        ctx.Services.AddSingleton(new TokensForge.Web.Extensions.ClientAddress("127.0.0.1"));
        return ctx;
    }

    [Fact]
    public async Task TopUpPage_ShowsPresetsAndEnabledProviders_WithTheTestCheckoutLabelled()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);

        var page = ctx.Render<TopUpPage>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-orders]")));
        Assert.Equal(["topup-preset-10", "topup-preset-50", "topup-preset-100", "topup-preset-500"],
            page.FindAll("[data-testid^=topup-preset-]").Select(b => b.GetAttribute("data-testid")));
        Assert.Equal(["pay-manual", "pay-gateway", "pay-test"], page.FindAll("[data-testid^=pay-]").Select(b => b.GetAttribute("data-testid")));
        Assert.Contains("simulated", page.Find("[data-testid=pay-test]").TextContent);
        Assert.Contains("no money moves", page.Find("[data-testid=test-checkout-notice]").TextContent);
        Assert.NotNull(page.Find("[data-testid=topup-bucket-routed]"));
        Assert.NotNull(page.Find("[data-testid=topup-bucket-official]"));
    }

    [Fact]
    public async Task TopUpPage_TestCheckoutDisabled_OffersNoTestButton()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);

        var page = ctx.Render<TopUpPage>();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=pay-manual]")));
        Assert.Empty(page.FindAll("[data-testid=pay-test]"));
        Assert.Empty(page.FindAll("[data-testid=test-checkout-notice]"));
    }

    [Fact]
    public async Task TopUpPage_PayByBankTransfer_CreatesPendingOrderAndShowsInstructionsWithReference()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);
        var page = ctx.Render<TopUpPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-orders]")));

        page.Find("[data-testid=topup-preset-100]").Click();
        page.Find("[data-testid=pay-manual]").Click();

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=payment-instructions]")));
        await using var dbc = db.NewContext();
        var order = await dbc.TopUpOrders.SingleAsync();
        Assert.Equal((user, "routed", 100_000_000L, "manual", TopUpStatus.Pending), (order.UserId, order.BucketKey, order.Amount, order.Provider, order.Status));
        Assert.Equal(order.Reference, page.Find("[data-testid=payment-reference]").TextContent.Trim());
        Assert.Equal("pending", page.Find("[data-testid=current-order-status]").TextContent.Trim());
        Assert.Equal("pending", page.Find($"[data-testid=order-status-{order.Reference}]").TextContent.Trim());
    }

    [Fact]
    public async Task TopUpPage_AmountBelowMinimum_ShowsErrorAndCreatesNothing()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);
        var page = ctx.Render<TopUpPage>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=no-orders]")));

        page.Find("input[data-testid=topup-amount]").Input("0.5");
        page.Find("[data-testid=pay-manual]").Click();

        page.WaitForAssertion(() => Assert.Contains("between ¥1.00 and ¥50,000.00", page.Markup));
        await using var dbc = db.NewContext();
        Assert.Equal(0, await dbc.TopUpOrders.CountAsync());
    }

    [Fact]
    public async Task AdminOrdersPage_ConfirmButtonOnlyForPendingBankTransfers()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var user = await db.AddUserAsync("payer@test.local");
        var manual = await TopUpTestKit.CreateOrderAsync(db, user, 10_000_000, provider: ManualTransferProvider.ProviderKey);
        var online = await TopUpTestKit.CreateOrderAsync(db, user, 20_000_000);
        var credited = await TopUpTestKit.CreateOrderAsync(db, user, 30_000_000, provider: ManualTransferProvider.ProviderKey);
        await db.Get<TopUpService>().ConfirmAsync(credited.Id, "finance");
        await using var ctx = ContextFor(db, "finance-user", Roles.Finance);

        var page = ctx.Render<AdminOrdersPage>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid^=order-status-]").Count));
        Assert.NotNull(page.Find($"[data-testid=confirm-{manual.Reference}]"));
        Assert.Empty(page.FindAll($"[data-testid=confirm-{online.Reference}]"));
        Assert.Empty(page.FindAll($"[data-testid=confirm-{credited.Reference}]"));
        Assert.Equal("credited", page.Find($"[data-testid=order-status-{credited.Reference}]").TextContent.Trim());
        Assert.Contains("payer@test.local", page.Find("[data-testid=orders-grid]").TextContent);
    }
}
