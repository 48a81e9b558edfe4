using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Web.Links;

namespace TokensForge.Web.Cli;

/// <summary><c>starter claim</c> and <c>codes redeem</c>: the wallet page's two ways to receive credit, with its rules and errors.</summary>
public static class ClaimCommands
{
    public static IReadOnlyList<CliCommand> All { get; } = [new("starter claim", StarterClaimAsync), new("codes redeem", CodesRedeemAsync)];

    private static async Task<int> StarterClaimAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var userId = await CliUsers.IdAsync(services, args.Required("email"));
        return await PrintAsync(output, await services.GetRequiredService<ClaimService>().ClaimStarterAsync(userId, clientIp: null));
    }

    private static async Task<int> CodesRedeemAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var email = args.Required("email");
        var code = args.Required("code");
        var userId = await CliUsers.IdAsync(services, email);
        return await PrintAsync(output, await services.GetRequiredService<ClaimService>().RedeemCodeAsync(userId, code, clientIp: null));
    }

    /// <summary>Every point of the claim, as the wallet page shows it, one per line.</summary>
    private static async Task<int> PrintAsync(TextWriter output, Result<RedemptionView> result)
    {
        var r = CliCommand.Require(result);
        await output.WriteLineAsync($"credited {Money.Format(r.Amount)} to {r.AccountEmail} in {r.BucketKey}");
        foreach (var (label, value) in new (string, string)[]
                 {
                     ("campaign", r.CampaignName),
                     ("code", r.Code ?? "none (starter credit)"),
                     ("bucket", $"{r.BucketKey} ({r.BucketName})"),
                     ("amount", $"{Money.Format(r.Amount)} ({Money.ToDecimalString(r.Amount)})"),
                     ("claimed at", CliParse.Time(r.ClaimedAt)),
                     ("account", r.AccountEmail ?? r.UserId),
                     ("one-time rule", r.ClaimRule),
                     ("expiry rule", r.ExpiryRuleText),
                     ("expires at", r.ExpiresAt is { } e ? CliParse.Time(e) : "never"),
                     ("pays official direct routes", r.PaysOfficial ? "yes" : "no"),
                     ("pays lower-cost routed routes", r.PaysRouted ? "yes" : "no"),
                     ("grant", r.GrantId.ToString()),
                     ("ledger transfer", $"{r.TransferId} ({WalletLinks.Transfer(r.TransferId)})"),
                     ("redemption", $"{r.Id} ({WalletLinks.Redemption(r.Id)})"),
                 })
        {
            await output.WriteLineAsync($"  {label + ":",-31} {value}");
        }
        return 0;
    }
}
