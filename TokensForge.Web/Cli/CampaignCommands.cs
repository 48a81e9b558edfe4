using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;

namespace TokensForge.Web.Cli;

/// <summary>
/// <c>campaigns create|list|disable</c>: run starter and promo campaigns without the admin pages, through the same
/// service, so the same rules apply and every change writes its audit event (actor <c>cli</c>).
/// </summary>
public static class CampaignCommands
{
    public static IReadOnlyList<CliCommand> All { get; } =
        [new("campaigns create", CreateAsync), new("campaigns list", ListAsync), new("campaigns disable", DisableAsync)];

    private static async Task<int> CreateAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var name = args.Required("name");
        var kind = CliParse.OptionalChoice<CampaignKind>(args, "kind", "invalid_kind") ?? throw new CliException("missing_option", "--kind is required.");
        var bucket = args.Required("bucket").ToLowerInvariant();
        var amount = CliParse.Amount(args, "amount");
        var expiresOn = CliParse.OptionalTime(args, "expires-on", "invalid_expiry_rule");
        var expiresAfterDays = CliParse.OptionalNumber(args, "expires-after-days", "invalid_expiry_rule");
        // Giving both is refused by the campaign's own rule check, with its message.
        var rule = expiresOn is not null ? CreditExpiryRule.FixedDate : expiresAfterDays is not null ? CreditExpiryRule.DaysAfterClaim : CreditExpiryRule.None;
        var draft = new CampaignDraft(name, kind, bucket, amount, rule, expiresOn, expiresAfterDays,
            StartsAt: CliParse.OptionalTime(args, "starts", "invalid_claim_window"),
            EndsAt: CliParse.OptionalTime(args, "ends", "invalid_claim_window"),
            ClaimLimitPerAccount: CliParse.OptionalNumber(args, "claim-limit", "invalid_claim_limit") ?? 1,
            Budget: CliParse.OptionalAmount(args, "budget"),
            Notes: args.Option("notes"));

        var campaign = CliCommand.Require(await services.GetRequiredService<CampaignService>().CreateAsync(draft, actor: "cli"));
        await output.WriteLineAsync($"campaign created: {campaign.Id} {campaign.Name} ({Line(campaign.Kind, campaign.BucketKey, campaign.AmountPerClaim)}, "
            + Lower(CreditExpiry.Describe(campaign.ExpiryRule, campaign.CreditExpiresOn, campaign.CreditExpiryDays))
            + (campaign.Budget is { } budget ? $", budget {Money.Format(budget)}" : "") + ")");
        return 0;
    }

    /// <summary>One line per campaign, newest first, with the ledger's own redemption and credited figures.</summary>
    private static async Task<int> ListAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var filter = new CampaignFilter(Kind: CliParse.OptionalChoice<CampaignKind>(args, "kind", "invalid_kind"),
            Status: CliParse.OptionalChoice<CampaignStatus>(args, "status", "invalid_status"));
        var queries = services.GetRequiredService<CampaignQueries>();
        var listed = 0;
        for (var page = 0; ; page++)
        {
            var rows = await queries.SearchAsync(filter, new PageRequest(page, PageRequest.MaxPageSize));
            foreach (var c in rows.Items)
            {
                await output.WriteLineAsync($"{c.Id} {c.Status.ToString().ToLowerInvariant(),-8} {c.Name} ({Line(c.Kind, c.BucketKey, c.AmountPerClaim)}, "
                    + $"{Lower(c.ExpiryRuleText)}): {c.Redemptions} redemptions, {Money.Format(c.Credited)} credited"
                    + (c.Kind == CampaignKind.Promo ? $", {c.Codes} codes" : ""));
            }
            listed += rows.Items.Count;
            if (rows.Items.Count < PageRequest.MaxPageSize || listed >= rows.TotalCount) break;
        }
        await output.WriteLineAsync($"{listed} campaigns");
        return 0;
    }

    private static async Task<int> DisableAsync(IServiceProvider services, CliArguments args, TextWriter output)
    {
        var text = args.Required("id");
        if (!Guid.TryParse(text, out var id)) throw new CliException(CampaignErrors.CampaignNotFound);
        CliCommand.Require(await services.GetRequiredService<CampaignService>().DisableCampaignAsync(id, actor: "cli"));
        await output.WriteLineAsync($"campaign disabled: {id}");
        return 0;
    }

    /// <summary>The page's sentence inside a line: only its first letter changes ("Expires at … UTC" → "expires at … UTC").</summary>
    private static string Lower(string sentence) => sentence.Length == 0 ? sentence : char.ToLowerInvariant(sentence[0]) + sentence[1..];

    private static string Line(CampaignKind kind, string bucket, long amount) => $"{kind.ToString().ToLowerInvariant()}, {Money.Format(amount)} per claim into {bucket}";
}
