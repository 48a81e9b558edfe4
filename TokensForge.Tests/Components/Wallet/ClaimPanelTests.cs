using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Wallet;
using TokensForge.Web.Extensions;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Components.Wallet;

/// <summary>The claim UI rendered with the real services over a real database.</summary>
public sealed class ClaimPanelTests
{
    private const string Ip = "203.0.113.20";

    internal static BunitContext ContextFor(TestDatabase db, string userId, string email = "someone@test.local")
    {
        var ctx = PageTestContext.Create(db.Services, email, userId);
        ctx.Services.AddSingleton(new ClientAddress(Ip));
        return ctx;
    }

    private static string Text(IRenderedComponent<ClaimPanel> cut, string testId) => cut.Find($"[data-testid={testId}]").TextContent.Trim();

    private static async Task AssertNothingCreditedAsync(TestDatabase db, string userId)
    {
        await using var ctx = db.NewContext();
        Assert.False(await ctx.CreditGrants.AnyAsync(g => g.UserId == userId));
        Assert.False(await ctx.Redemptions.AnyAsync(r => r.UserId == userId));
    }

    [Fact]
    public async Task ClaimStarterButton_ShowsEveryPointOfTheClaimWithLinksToTheTransferAndTheRedemption()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync("newcomer@test.local");
        await CreateAsync(db, Starter());
        var now = db.Time.GetUtcNow().UtcDateTime;
        await using var ctx = ContextFor(db, user);
        RedemptionView? raised = null;
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user).Add(x => x.OnClaimed, r => raised = r));
        cut.WaitForAssertion(() => Assert.Contains("¥5.00 into your Starter balance", Text(cut, "starter-offer")));

        cut.Find("[data-testid=claim-starter]").Click();

        cut.WaitForAssertion(() => cut.Find("[data-testid=claim-result]"));
        await using var data = db.NewContext();
        var redemption = await data.Redemptions.SingleAsync(r => r.UserId == user);
        Assert.Equal("Welcome credit", Text(cut, "claim-result-campaign"));
        Assert.StartsWith("None", Text(cut, "claim-result-code"));
        Assert.Equal("Starter balance (starter)", Text(cut, "claim-result-bucket"));
        Assert.Equal("¥5.00", Text(cut, "claim-result-amount"));
        Assert.Equal(now.ToString("yyyy-MM-dd HH:mm:ss") + " UTC", Text(cut, "claim-result-claimed-at"));
        Assert.Equal("newcomer@test.local", Text(cut, "claim-result-account"));
        Assert.Equal("One claim per account", Text(cut, "claim-result-one-time-rule"));
        Assert.Equal("Expires 30 days after the claim", Text(cut, "claim-result-expiry-rule"));
        Assert.Equal(now.AddDays(30).ToString("yyyy-MM-dd HH:mm:ss") + " UTC", Text(cut, "claim-result-expires-at"));
        Assert.Equal("No", Text(cut, "claim-result-pays-official"));
        Assert.Equal("Yes", Text(cut, "claim-result-pays-routed"));
        Assert.Equal($"/wallet/transfers/{redemption.TransferId}", cut.Find("[data-testid=claim-result-transfer-link]").GetAttribute("href"));
        Assert.Equal($"/wallet/redemptions?id={redemption.Id}#redemption-{redemption.Id}", cut.Find("[data-testid=claim-result-redemption-link]").GetAttribute("href"));
        Assert.Equal(Ip, redemption.ClientIp);
        Assert.Equal(redemption.Id, raised?.Id);
        Assert.Empty(cut.FindAll("[data-testid=claim-starter]"));
        Assert.Contains("You claimed Welcome credit", Text(cut, "starter-claimed"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClaimStarterButton_NoOpenStarterCampaign_SaysTheWelcomeCreditIsNotAvailable(bool disabledCampaign)
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        if (disabledCampaign)
        {
            var starter = await CreateAsync(db, Starter());
            Ok(await db.Get<CampaignService>().DisableCampaignAsync(starter.Id, "ops"));
        }
        await using var ctx = ContextFor(db, user);

        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));

        cut.WaitForAssertion(() => Assert.Equal("The welcome credit is not available right now.", Text(cut, "starter-unavailable")));
        Assert.Empty(cut.FindAll("[data-testid=claim-starter]"));
        cut.Find("[data-testid=redeem-code]");
    }

    /// <summary>Real contexts, except that while <see cref="Held"/> each one waits for <see cref="Release"/>.</summary>
    private sealed class HeldContexts(IDbContextFactory<AppDbContext> inner) : IDbContextFactory<AppDbContext>
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Held { get; private set; }

        public void Hold() => (Held, _gate) = (true, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Release()
        {
            Held = false;
            _gate.TrySetResult();
        }

        public AppDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            if (Held) await _gate.Task.WaitAsync(cancellationToken);
            return inner.CreateDbContext();
        }
    }

    [Fact]
    public async Task RedeemButton_WhileTheServerWorks_IsDisabledWithProgress_AndASecondClickSubmitsNothingMore()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db);
        var held = new HeldContexts(db.Get<IDbContextFactory<AppDbContext>>());
        await using var ctx = ContextFor(db, user);
        ctx.Services.AddSingleton(ActivatorUtilities.CreateInstance<ClaimService>(db.Services, held,
            new WriteTransaction(held, Microsoft.Extensions.Options.Options.Create(new DatabaseOptions()))));
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));
        cut.WaitForAssertion(() => cut.Find("[data-testid=starter-unavailable]"));
        held.Hold();

        cut.Find("[data-testid=redeem-code]").Input(code);
        cut.Find("[data-testid=redeem-submit]").Click();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=redeem-submit]").HasAttribute("disabled")));
        cut.Find("[data-testid=redeem-submit] [data-testid=button-progress]");
        cut.Find("[data-testid=redeem-submit]").Click();
        held.Release();

        cut.WaitForAssertion(() => Assert.Equal(code, Text(cut, "claim-result-code")));
        Assert.False(cut.Find("[data-testid=redeem-submit]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=button-progress]"));
        await using var data = db.NewContext();
        Assert.Equal(1, await data.CodeAttempts.CountAsync(a => a.UserId == user));
        Assert.Equal(1, await data.Redemptions.CountAsync(r => r.UserId == user));
    }

    [Fact]
    public async Task RedeemButton_ShowsTheCodesOwnLimitBesideThePerAccountRule()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db, maxRedemptions: 50);
        await using var ctx = ContextFor(db, user);
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));

        cut.Find("[data-testid=redeem-code]").Input(code);
        cut.Find("[data-testid=redeem-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal("This code can be redeemed 50 times in all", Text(cut, "claim-result-code-rule")));
        Assert.Equal("One claim per account", Text(cut, "claim-result-one-time-rule"));
    }

    [Fact]
    public async Task ClaimStarterButton_ClaimedInAnotherTabMeanwhile_SaysAlreadyClaimedAndWhen()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await CreateAsync(db, Starter());
        await using var ctx = ContextFor(db, user);
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));
        cut.WaitForAssertion(() => cut.Find("[data-testid=claim-starter]"));
        var elsewhere = Ok(await db.Get<ClaimService>().ClaimStarterAsync(user, null));
        db.Time.Advance(TimeSpan.FromMinutes(1));

        cut.Find("[data-testid=claim-starter]").Click();

        cut.WaitForAssertion(() => Assert.Equal("already_claimed", cut.Find("[data-testid=claim-error]").GetAttribute("data-error-code")));
        Assert.Contains(elsewhere.ClaimedAt.ToString("yyyy-MM-dd HH:mm:ss"), Text(cut, "claim-error"));
        Assert.Empty(cut.FindAll("[data-testid=claim-result]"));
        // The stale offer is replaced by the claim made elsewhere.
        Assert.Empty(cut.FindAll("[data-testid=claim-starter]"));
        Assert.Contains("You claimed Welcome credit", Text(cut, "starter-claimed"));
        await using var data = db.NewContext();
        Assert.Equal(1, await data.Redemptions.CountAsync(r => r.UserId == user));
    }

    [Fact]
    public async Task RedeemButton_ValidCodeTypedLoosely_ShowsTheCodeResult()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var (_, code) = await PromoCodeAsync(db);
        await using var ctx = ContextFor(db, user);
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));

        cut.Find("[data-testid=redeem-code]").Input(code.ToLowerInvariant().Replace('-', ' '));
        cut.Find("[data-testid=redeem-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(code, Text(cut, "claim-result-code")));
        Assert.Equal("Launch promo", Text(cut, "claim-result-campaign"));
        Assert.Equal("Routed balance (routed)", Text(cut, "claim-result-bucket"));
        Assert.Equal("¥10.00", Text(cut, "claim-result-amount"));
        Assert.Equal("Never expires", Text(cut, "claim-result-expiry-rule"));
        Assert.Equal("Never", Text(cut, "claim-result-expires-at"));
        Assert.Empty(cut.FindAll("[data-testid=claim-error]"));
    }

    [Fact]
    public async Task RedeemButton_NothingTyped_AsksForTheCodeWithoutCallingTheService()
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        await using var ctx = ContextFor(db, user);
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));

        cut.Find("[data-testid=redeem-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal("code_required", cut.Find("[data-testid=claim-error]").GetAttribute("data-error-code")));
        await using var data = db.NewContext();
        Assert.False(await data.CodeAttempts.AnyAsync());
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "code_not_found", "No code matches" },
        { "code_disabled", "has been disabled" },
        { "campaign_disabled", "switched off" },
        { "code_not_yet_valid", "opens at 2026-06-04 12:00 UTC" },
        { "code_expired", "expired at 2026-06-02 12:00 UTC" },
        { "code_exhausted", "as many times as it allows" },
        { "already_claimed", "You already claimed this offer at 2026-06-01 12:00:00 UTC" },
        { "too_many_attempts", "Too many failed code attempts" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task RedeemButton_RefusedCode_ShowsTheErrorSentenceAndCreditsNothing(string error, string sentence)
    {
        await using var db = await TestDatabase.CreateAsync();
        var user = await db.AddUserAsync();
        var campaigns = db.Get<CampaignService>();
        var claims = db.Get<ClaimService>();
        var now = db.Time.GetUtcNow().UtcDateTime;
        string code;
        switch (error)
        {
            case "code_not_found":
                await PromoCodeAsync(db);
                code = "TF-2222-3333-4444";
                break;
            case "code_disabled":
                (_, code) = await PromoCodeAsync(db);
                Ok(await campaigns.DisableCodeAsync(code, "support"));
                break;
            case "campaign_disabled":
                (var campaign, code) = await PromoCodeAsync(db);
                Ok(await campaigns.DisableCampaignAsync(campaign.Id, "test"));
                break;
            case "code_not_yet_valid":
                (_, code) = await PromoCodeAsync(db, Promo() with { StartsAt = now.AddDays(3) });
                break;
            case "code_expired":
                (_, code) = await PromoCodeAsync(db, Promo() with { EndsAt = now.AddDays(1) });
                db.Time.Advance(TimeSpan.FromDays(2));
                break;
            case "code_exhausted":
                (_, code) = await PromoCodeAsync(db);
                Ok(await claims.RedeemCodeAsync(await db.AddUserAsync(), code, null));
                break;
            case "already_claimed":
                var promo = await CreateAsync(db, Promo());
                var codes = Ok(await campaigns.GenerateCodesAsync(promo.Id, 2, 1, "test")).Codes;
                var other = await db.AddUserAsync();
                // The account's earlier claim is credited; only the second must add nothing.
                Ok(await claims.RedeemCodeAsync(other, codes[0], null));
                user = other;
                code = codes[1];
                break;
            default:
                (_, code) = await PromoCodeAsync(db);
                // The account's own guesses count against it (other accounts on its address have a higher, shared limit).
                for (var i = 0; i < 10; i++) await claims.RedeemCodeAsync(user, "TF-ZZZZ-ZZZZ-ZZZZ", Ip);
                break;
        }
        await using var ctx = ContextFor(db, user);
        var cut = ctx.Render<ClaimPanel>(p => p.Add(x => x.UserId, user));

        cut.Find("[data-testid=redeem-code]").Input(code);
        cut.Find("[data-testid=redeem-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(error, cut.Find("[data-testid=claim-error]").GetAttribute("data-error-code")));
        Assert.Contains(sentence, Text(cut, "claim-error"));
        Assert.Empty(cut.FindAll("[data-testid=claim-result]"));
        if (error == "already_claimed")
        {
            await using var data = db.NewContext();
            Assert.Equal(1, await data.Redemptions.CountAsync(r => r.UserId == user));
        }
        else
        {
            await AssertNothingCreditedAsync(db, user);
        }
    }
}
