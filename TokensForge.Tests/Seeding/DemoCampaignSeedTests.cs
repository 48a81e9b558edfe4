using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Users;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Seeding;

public sealed class DemoCampaignSeedTests
{
    [Fact]
    public async Task DemoSeed_CreatesTheStarterCampaignAndRedeemablePrintedCodesOnce()
    {
        using var app = new TokensForgeApp(new Dictionary<string, string?> { ["Demo:Seed"] = "true" });
        using var client = app.CreateClient();
        await client.GetAsync("/");
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();

        await using var db = await app.Get<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var campaigns = await db.Campaigns.AsNoTracking().OrderBy(c => c.Kind).ToListAsync();
        Assert.Equal(2, campaigns.Count);
        var starter = campaigns.Single(c => c.Kind == CampaignKind.Starter);
        Assert.Equal((DemoCodes.StarterCampaign, "starter", 5_000_000L, CreditExpiryRule.DaysAfterClaim, (int?)30),
            (starter.Name, starter.BucketKey, starter.AmountPerClaim, starter.ExpiryRule, starter.CreditExpiryDays));
        Assert.All(DemoCodes.SingleUse.Append(DemoCodes.Shared).Append(DemoCodes.Disabled), c => Assert.True(RedeemCodeFormat.IsCanonical(c), c));

        var claims = app.Get<ClaimService>();
        var demoUser = await db.Users.Where(u => u.Email == "demo@tokensforge.local").Select(u => u.Id).SingleAsync();
        Assert.True((await claims.ClaimStarterAsync(demoUser, null)).Succeeded);
        foreach (var code in DemoCodes.SingleUse.Append(DemoCodes.Shared))
        {
            var user = new ApplicationUser { UserName = $"{code}@test.local", Email = $"{code}@test.local" };
            db.Users.Add(user);
            await db.SaveChangesAsync();
            var result = await claims.RedeemCodeAsync(user.Id, code, null);
            Assert.True(result.Succeeded, $"{code}: {result.Error}");
            Assert.Equal(DemoCodes.PromoCampaign, result.Value!.CampaignName);
        }
        Assert.Equal("code_disabled", (await claims.RedeemCodeAsync(demoUser, DemoCodes.Disabled, null)).Error?.Code);
        Assert.True((await app.Get<LedgerVerifier>().VerifyAsync()).Ok);
    }
}
