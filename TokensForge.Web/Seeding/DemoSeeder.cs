using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TokensForge.Core.Ledger;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;

namespace TokensForge.Web.Seeding;

/// <summary>Demo data for a first look: a user whose wallet holds money in two buckets, all through the ledger.</summary>
public sealed class DemoSeeder(
    IOptions<DemoOptions> options,
    UserManager<ApplicationUser> users,
    AccountBootstrapper accounts,
    AdjustmentService adjustments,
    TimeProvider time,
    ILogger<DemoSeeder> log)
{
    public async Task SeedAsync(CancellationToken ct = default)
    {
        var demo = options.Value;
        if (!demo.Seed || await users.FindByEmailAsync(demo.UserEmail) is not null) return;

        var created = await accounts.CreateAsync(demo.UserEmail, demo.UserPassword);
        if (!created.Succeeded)
        {
            log.LogError("Demo user not created: {Error}", created.Error);
            return;
        }
        await adjustments.GrantAsync(new AdjustmentRequest(demo.UserEmail, Bucket.Official, 20_000_000, null, "Demo official credit", "demo-seed"), ct);
        await adjustments.GrantAsync(new AdjustmentRequest(demo.UserEmail, Bucket.Routed, 8_500_000,
            time.GetUtcNow().UtcDateTime.AddDays(90), "Demo routed balance", "demo-seed"), ct);
        log.LogInformation("Seeded demo user {Email} (password {Password})", demo.UserEmail, demo.UserPassword);
    }
}
