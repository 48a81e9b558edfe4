using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

/// <summary><c>campaigns create|list|disable</c> against a temporary SQLite file, read back from the database and the audit trail.</summary>
public sealed class CampaignCommandsTests : IAsyncLifetime
{
    private readonly CliDatabase _cli = new();
    private ServiceProvider? _services;

    public async Task InitializeAsync()
    {
        // The first command creates the database; the checks then read it directly.
        Assert.Equal(0, (await _cli.RunAsync("ledger", "verify")).Exit);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_cli.Settings).Build();
        _services = new ServiceCollection().AddLogging().AddTokensForgeData(configuration, _cli.Directory).BuildServiceProvider();
    }

    private Task<AppDbContext> NewContextAsync() => _services!.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    private static Guid IdIn(string output) => Guid.Parse(output.Split(' ')[2]);

    [Fact]
    public async Task CreateListDisable_GoThroughTheCampaignRules_AndEachChangeIsAuditedAsTheCli()
    {
        var promo = await _cli.RunAsync("campaigns", "create", "--name", "Summer promo", "--kind", "promo", "--bucket", "routed", "--amount", "10",
            "--expires-after-days", "30", "--budget", "100.00", "--notes", "for the newsletter");
        var starter = await _cli.RunAsync("campaigns", "create", "--name", "Welcome", "--kind", "Starter", "--bucket", "starter", "--amount", "5",
            "--expires-on", "2099-01-01T00:00:00Z", "--claim-limit", "2");

        Assert.Equal(0, promo.Exit);
        Assert.Equal(0, starter.Exit);
        var promoId = IdIn(promo.Output);
        var starterId = IdIn(starter.Output);
        Assert.Equal($"campaign created: {promoId} Summer promo (promo, ¥10.00 per claim into routed, expires 30 days after the claim, budget ¥100.00)", promo.Output);
        await using (var db = await NewContextAsync())
        {
            var created = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == promoId);
            Assert.Equal((CampaignKind.Promo, "routed", 10_000_000L, CreditExpiryRule.DaysAfterClaim, (int?)30, (long?)100_000_000L, "for the newsletter", "cli", CampaignStatus.Active),
                (created.Kind, created.BucketKey, created.AmountPerClaim, created.ExpiryRule, created.CreditExpiryDays, created.Budget, created.Notes, created.CreatedBy, created.Status));
            // The budget moved into the campaign's own funding account through the ledger.
            var funding = await db.LedgerAccounts.AsNoTracking().SingleAsync(a => a.Id == created.FundingAccountId);
            Assert.Equal(100_000_000L, funding.CreditsPosted - funding.DebitsPosted);
            var welcome = await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == starterId);
            Assert.Equal((CampaignKind.Starter, CreditExpiryRule.FixedDate, new DateTime(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc), 2, (long?)null),
                (welcome.Kind, welcome.ExpiryRule, welcome.CreditExpiresOn!.Value, welcome.ClaimLimitPerAccount, welcome.Budget));
        }

        var listed = await _cli.RunAsync("campaigns", "list");
        var disabled = await _cli.RunAsync("campaigns", "disable", "--id", promoId.ToString());
        var listedDisabled = await _cli.RunAsync("campaigns", "list", "--status", "disabled");
        var listedActive = await _cli.RunAsync("campaigns", "list", "--status", "active", "--kind", "starter");

        Assert.Equal(0, listed.Exit);
        var lines = listed.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Equal(3, lines.Count);
        // Newest first, each with its status, rules and the ledger's figures.
        Assert.StartsWith($"{starterId} active   Welcome (starter, ¥5.00 per claim into starter, expires ", lines[0]);
        Assert.Equal($"{promoId} active   Summer promo (promo, ¥10.00 per claim into routed, expires 30 days after the claim): 0 redemptions, ¥0.00 credited, 0 codes", lines[1]);
        Assert.Equal("2 campaigns", lines[2]);
        Assert.Equal((0, $"campaign disabled: {promoId}"), disabled);
        Assert.StartsWith($"{promoId} disabled Summer promo", listedDisabled.Output);
        Assert.EndsWith("1 campaigns", listedDisabled.Output);
        Assert.StartsWith($"{starterId} active", listedActive.Output);
        Assert.EndsWith("1 campaigns", listedActive.Output);
        await using (var db = await NewContextAsync())
        {
            Assert.Equal(CampaignStatus.Disabled, (await db.Campaigns.AsNoTracking().SingleAsync(c => c.Id == promoId)).Status);
            var events = await db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
            Assert.Equal(
                [("cli", "campaign.create", $"campaign:{promoId}"), ("cli", "campaign.create", $"campaign:{starterId}"), ("cli", "campaign.disable", $"campaign:{promoId}")],
                events.Select(e => (e.Actor, e.Action, e.Target)));
            Assert.Contains("Summer promo", events[0].AfterJson);
            Assert.Contains("Active", events[2].BeforeJson);
            Assert.Contains("Disabled", events[2].AfterJson);
        }
        Assert.Equal((0, "audit ok: 3 events"), await _cli.RunAsync("audit", "verify"));
        Assert.Equal(0, (await _cli.RunAsync("ledger", "verify")).Exit);
    }

    [Theory]
    [InlineData("missing_option:", "--bucket", "routed", "--amount", "1")]
    [InlineData("invalid_kind:", "--kind", "gold", "--bucket", "routed", "--amount", "1")]
    [InlineData("invalid_kind:", "--kind", "1", "--bucket", "routed", "--amount", "1")]
    [InlineData("unknown_bucket:", "--kind", "promo", "--bucket", "gold", "--amount", "1")]
    [InlineData("invalid_amount:", "--kind", "promo", "--bucket", "routed", "--amount", "-1")]
    [InlineData("invalid_amount:", "--kind", "promo", "--bucket", "routed", "--amount", "1", "--budget", "lots")]
    [InlineData("invalid_expiry_rule:", "--kind", "promo", "--bucket", "routed", "--amount", "1", "--expires-on", "2099-01-01", "--expires-after-days", "3")]
    [InlineData("invalid_expiry_rule:", "--kind", "promo", "--bucket", "routed", "--amount", "1", "--expires-on", "2001-01-01")]
    [InlineData("invalid_claim_limit:", "--kind", "promo", "--bucket", "routed", "--amount", "1", "--claim-limit", "0")]
    [InlineData("invalid_claim_window:", "--kind", "promo", "--bucket", "routed", "--amount", "1", "--starts", "2099-02-01", "--ends", "2099-01-01")]
    public async Task Create_BadInput_OneLineExit2_NothingCreatedOrAudited(string expected, params string[] options)
    {
        var (exit, output) = await _cli.RunAsync(["campaigns", "create", "--name", "Refused", .. options]);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, output);
        Assert.DoesNotContain('\n', output);
        await using var db = await NewContextAsync();
        Assert.False(await db.Campaigns.AnyAsync());
        Assert.False(await db.AuditEvents.AnyAsync());
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("0195b1a2-0000-7000-8000-000000000000")]
    public async Task Disable_UnknownCampaign_CampaignNotFound(string id)
    {
        var (exit, output) = await _cli.RunAsync("campaigns", "disable", "--id", id);

        Assert.Equal(2, exit);
        Assert.StartsWith("campaign_not_found:", output);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        _cli.Dispose();
    }
}
