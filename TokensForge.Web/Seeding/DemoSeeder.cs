using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;

namespace TokensForge.Web.Seeding;

/// <summary>
/// Demo data for a first look, all through the ledger: a user whose wallet holds money in two buckets, an open
/// starter campaign and a promo campaign with the printed <see cref="DemoCodes"/>.
/// </summary>
public sealed class DemoSeeder(
    IOptions<DemoOptions> options,
    UserManager<ApplicationUser> users,
    AccountBootstrapper accounts,
    AdjustmentService adjustments,
    CampaignService campaigns,
    IDbContextFactory<AppDbContext> contexts,
    TimeProvider time,
    ILogger<DemoSeeder> log)
{
    private const string Actor = "demo-seed";

    public async Task SeedAsync(CancellationToken ct = default)
    {
        var demo = options.Value;
        if (!demo.Seed) return;
        await SeedCampaignsAsync(ct);
        if (await users.FindByEmailAsync(demo.UserEmail) is not null) return;

        var created = await accounts.CreateAsync(demo.UserEmail, demo.UserPassword);
        if (!created.Succeeded)
        {
            log.LogError("Demo user not created: {Error}", created.Error);
            return;
        }
        await adjustments.GrantAsync(new AdjustmentRequest(demo.UserEmail, Bucket.Official, 20_000_000, null, "Demo official credit", Actor), ct);
        await adjustments.GrantAsync(new AdjustmentRequest(demo.UserEmail, Bucket.Routed, 8_500_000,
            time.GetUtcNow().UtcDateTime.AddDays(90), "Demo routed balance", Actor), ct);
        log.LogInformation("Seeded demo user {Email} (password {Password})", demo.UserEmail, demo.UserPassword);
    }

    /// <summary>Once per database: the starter campaign (¥5.00, 30 days after the claim) and the promo campaign with its codes.</summary>
    private async Task SeedCampaignsAsync(CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            if (await db.Campaigns.AnyAsync(c => c.CreatedBy == Actor, ct)) return;
        }

        var starter = await campaigns.CreateAsync(new CampaignDraft(DemoCodes.StarterCampaign, CampaignKind.Starter, Bucket.Starter, 5_000_000,
            CreditExpiryRule.DaysAfterClaim, CreditExpiryDays: 30, Notes: "Welcome credit for every new account."), Actor, ct: ct);
        var promoExpiry = time.GetUtcNow().UtcDateTime.Date.AddDays(180);
        var promo = await campaigns.CreateAsync(new CampaignDraft(DemoCodes.PromoCampaign, CampaignKind.Promo, Bucket.Routed, 10_000_000,
            CreditExpiryRule.FixedDate, CreditExpiresOn: promoExpiry, Budget: 1_000_000_000, Notes: "Printed launch codes."), Actor, ct: ct);
        if (!starter.Succeeded || !promo.Succeeded)
        {
            log.LogError("Demo campaigns not created: {Error}", starter.Error ?? promo.Error);
            return;
        }

        var promoId = promo.Value!.Id;
        foreach (var code in DemoCodes.SingleUse) await campaigns.AddCodeAsync(promoId, code, 1, Actor, ct: ct);
        await campaigns.AddCodeAsync(promoId, DemoCodes.Shared, 100, Actor, ct: ct);
        await campaigns.AddCodeAsync(promoId, DemoCodes.Disabled, 1, Actor, ct: ct);
        await campaigns.DisableCodeAsync(DemoCodes.Disabled, Actor, ct: ct);
        log.LogInformation("Seeded demo campaigns: starter credit and promo codes {Codes}", string.Join(", ", [.. DemoCodes.SingleUse, DemoCodes.Shared]));
    }
}
