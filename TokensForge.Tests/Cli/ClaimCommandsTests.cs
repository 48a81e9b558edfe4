using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Wallets;

using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

/// <summary><c>starter claim</c> and <c>codes redeem</c> against a temporary SQLite file.</summary>
public sealed class ClaimCommandsTests : IAsyncLifetime
{
    private const string Email = "cli-user@test.local";
    private readonly CliDatabase _cli = new();
    private ServiceProvider? _services;


    /// <summary>The same database through the Core services, to set up campaigns the CLI then claims.</summary>
    private CampaignService Campaigns => _services!.GetRequiredService<CampaignService>();

    public async Task InitializeAsync()
    {
        Assert.Equal(0, (await _cli.RunAsync("users", "add", "--email", Email, "--password", "Cli-pass-1")).Exit);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_cli.Settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddTokensForgeData(configuration, _cli.Directory);
        services.AddTokensForgeCore();
        _services = services.BuildServiceProvider();
    }


    private static string Field(string output, string label) =>
        output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(label + ":", StringComparison.Ordinal))[(label.Length + 1)..].Trim();

    [Fact]
    public async Task StarterClaim_PrintsEveryPointOfTheClaim_ThenRefusesTheSecondClaim()
    {
        await Campaigns.CreateAsync(new CampaignDraft("Welcome credit", CampaignKind.Starter, Bucket.Starter, 5_000_000,
            CreditExpiryRule.DaysAfterClaim, CreditExpiryDays: 30), "test");

        var (exit, output) = await _cli.RunAsync("starter", "claim", "--email", Email);
        var again = await _cli.RunAsync("starter", "claim", "--email", Email);
        var verified = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(0, exit);
        Assert.StartsWith($"credited ¥5.00 to {Email} in starter", output);
        Assert.Equal("Welcome credit", Field(output, "campaign"));
        Assert.Equal("none (starter credit)", Field(output, "code"));
        Assert.Equal("starter (Starter balance)", Field(output, "bucket"));
        Assert.Equal("¥5.00 (5.000000)", Field(output, "amount"));
        var claimedAt = DateTime.Parse(Field(output, "claimed at"), null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(claimedAt, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(Email, Field(output, "account"));
        Assert.Equal("One claim per account", Field(output, "one-time rule"));
        Assert.Equal("Expires 30 days after the claim", Field(output, "expiry rule"));
        Assert.Equal(claimedAt.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ"), Field(output, "expires at"));
        Assert.Equal("no", Field(output, "pays official direct routes"));
        Assert.Equal("yes", Field(output, "pays lower-cost routed routes"));
        Assert.Matches("^[0-9a-f-]{36} \\(/wallet/transfers/[0-9a-f-]{36}\\)$", Field(output, "ledger transfer"));
        Assert.Matches("^[0-9a-f-]{36} \\(/wallet/redemptions\\?id=[0-9a-f-]{36}#redemption-[0-9a-f-]{36}\\)$", Field(output, "redemption"));

        Assert.Equal(2, again.Exit);
        Assert.StartsWith("already_claimed: You already claimed this offer at ", again.Output);
        Assert.DoesNotContain('\n', again.Output);
        Assert.Equal(0, verified.Exit);
    }

    [Fact]
    public async Task CodesRedeem_ValidCode_PrintsTheCodeResult()
    {
        var campaign = (await Campaigns.CreateAsync(new CampaignDraft("Launch promo", CampaignKind.Promo, Bucket.Routed, 10_000_000), "test")).Value!;
        await Campaigns.AddCodeAsync(campaign.Id, "TF-DEMX-CDEX-2222", 1, "test");

        var (exit, output) = await _cli.RunAsync("codes", "redeem", "--email", Email, "--code", "tf demx cdex 2222");

        Assert.Equal(0, exit);
        Assert.Equal("TF-DEMX-CDEX-2222", Field(output, "code"));
        Assert.Equal("Launch promo", Field(output, "campaign"));
        Assert.Equal("routed (Routed balance)", Field(output, "bucket"));
        Assert.Equal("never", Field(output, "expires at"));
        Assert.Equal("Never expires", Field(output, "expiry rule"));
    }

    [Theory]
    [InlineData("TF-2222-3333-4444", Email, "code_not_found: No code matches what you typed.")]
    [InlineData("TF-DEMX-CDEX-9999", Email, "code_disabled: This code has been disabled")]
    [InlineData("TF-DEMX-CDEX-3333", "nobody@test.local", "user_not_found: ")]
    public async Task CodesRedeem_Refused_PrintsCodeAndMessageOnOneLineAndExits2(string code, string email, string expected)
    {
        var campaign = (await Campaigns.CreateAsync(new CampaignDraft("Launch promo", CampaignKind.Promo, Bucket.Routed, 10_000_000), "test")).Value!;
        await Campaigns.AddCodeAsync(campaign.Id, "TF-DEMX-CDEX-9999", 1, "test");
        await Campaigns.AddCodeAsync(campaign.Id, "TF-DEMX-CDEX-3333", 1, "test");
        await Campaigns.DisableCodeAsync("TF-DEMX-CDEX-9999", "test");

        var (exit, output) = await _cli.RunAsync("codes", "redeem", "--email", email, "--code", code);
        var verified = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, output);
        Assert.DoesNotContain('\n', output);
        Assert.Contains("0 transfers", verified.Output);
    }

    [Fact]
    public async Task StarterClaimWithoutCampaign_AndRedeemWithoutCode_Exit2()
    {
        var starter = await _cli.RunAsync("starter", "claim", "--email", Email);
        var missing = await _cli.RunAsync("codes", "redeem", "--email", Email);

        Assert.Equal((2, "no_starter_campaign: There is no starter credit to claim right now."), starter);
        Assert.Equal((2, "missing_option: --code is required."), missing);
    }

    public async Task DisposeAsync()
    {
        if (_services is not null) await _services.DisposeAsync();
        _cli.Dispose();
    }
}
