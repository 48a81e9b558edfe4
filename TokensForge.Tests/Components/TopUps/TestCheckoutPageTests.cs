using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.TopUps;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;
using TokensForge.Web.Api.Payments;
using TokensForge.Web.Components.Pages.TopUps;

namespace TokensForge.Tests.Components.TopUps;

public sealed class TestCheckoutPageTests
{
    private static TokensForgeApp App(bool enabled = true) => new(new Dictionary<string, string?>
    {
        ["Payments:TestCheckoutEnabled"] = enabled ? "true" : "false",
        ["Payments:WebhookSecret"] = TopUpTestKit.Secret,
    });

    /// <summary>The page in bunit, its webhook calls going over HTTP to the real app.</summary>
    private static BunitContext ContextFor(TokensForgeApp app, string userId)
    {
        var ctx = PageTestContext.Create(app.Services, "buyer@test.local", userId);
        ctx.Services.AddSingleton(app.Get<IOptions<PaymentsOptions>>());
        ctx.Services.AddHttpClient(TestCheckoutClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => app.Server.CreateHandler());
        ctx.Services.AddScoped<TestCheckoutClient>();
        return ctx;
    }

    private static async Task<string> AddUserAsync(TokensForgeApp app)
    {
        await using var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var user = new ApplicationUser { UserName = "buyer@test.local", Email = "buyer@test.local", NormalizedEmail = "BUYER@TEST.LOCAL", NormalizedUserName = "BUYER@TEST.LOCAL" };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    [Fact]
    public async Task SimulatePayment_GoesThroughTheSignedWebhook_AndCreditsTheOrder()
    {
        using var app = App();
        var user = await AddUserAsync(app);
        var order = (await app.Get<TopUpService>().CreateAsync(user, "official", 40_000_000, TestCheckoutProvider.ProviderKey)).Value!.Order;
        await using var ctx = ContextFor(app, user);

        var page = ctx.Render<TestCheckoutPage>(p => p.Add(x => x.OrderId, order.Id));
        page.WaitForAssertion(() => Assert.Equal("pending", page.Find("[data-testid=order-status]").TextContent.Trim()));
        Assert.Contains("TEST CHECKOUT", page.Find("[data-testid=test-checkout-banner]").TextContent);
        page.Find("[data-testid=test-checkout-pay]").Click();

        page.WaitForAssertion(() => Assert.Equal("credited", page.Find("[data-testid=order-status]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Contains("credited", page.Find("[data-testid=test-checkout-result]").TextContent);
        await using var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.PaymentEvents.CountAsync(e => e.Provider == "test" && e.OrderId == order.Id));
        var grant = await db.CreditGrants.SingleAsync(g => g.UserId == user);
        Assert.Equal((40_000_000L, 60), (grant.OriginalAmount, grant.Priority));

        page.Find("[data-testid=test-checkout-refund]").Click();
        page.WaitForAssertion(() => Assert.Equal("refunded", page.Find("[data-testid=order-status]").TextContent.Trim()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task OtherUsersOrder_IsNotShown()
    {
        using var app = App();
        var owner = await AddUserAsync(app);
        var order = (await app.Get<TopUpService>().CreateAsync(owner, "routed", 10_000_000, TestCheckoutProvider.ProviderKey)).Value!.Order;
        await using var ctx = ContextFor(app, "someone-else");

        var page = ctx.Render<TestCheckoutPage>(p => p.Add(x => x.OrderId, order.Id));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=test-checkout-not-found]")));
        Assert.Empty(page.FindAll("[data-testid=test-checkout-pay]"));
    }

    [Fact]
    public async Task Disabled_ShowsThatAndOffersNoButtons()
    {
        using var app = App(enabled: false);
        await using var ctx = ContextFor(app, "anyone");

        var page = ctx.Render<TestCheckoutPage>(p => p.Add(x => x.OrderId, Guid.NewGuid()));

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=test-checkout-disabled]")));
        Assert.Empty(page.FindAll("[data-testid=test-checkout-pay]"));
    }
}
