using TokensForge.Core.Common;

namespace TokensForge.Core.Campaigns;

/// <summary>Why a claim or a redemption was refused. Nothing is credited when one of these is returned.</summary>
public static class CodeErrors
{
    public static readonly Error CodeNotFound = new("code_not_found", "No code matches what you typed. Check it and try again.");
    public static readonly Error CodeDisabled = new("code_disabled", "This code has been disabled and can no longer be redeemed.");
    public static readonly Error CampaignDisabled = new("campaign_disabled", "This campaign has been switched off and no longer gives credit.");
    public static readonly Error CodeExhausted = new("code_exhausted", "This code has already been redeemed as many times as it allows.");
    public static readonly Error BudgetExhausted = new("campaign_budget_exhausted", "This campaign's budget is used up, so it cannot give more credit.");
    public static readonly Error NoStarterCampaign = new("no_starter_campaign", "There is no starter credit to claim right now.");

    public static Error NotYetValid(DateTime startsAt) =>
        new("code_not_yet_valid", $"This offer cannot be claimed yet. It opens at {startsAt:yyyy-MM-dd HH:mm} UTC.");

    public static Error Expired(DateTime endedAt) =>
        new("code_expired", $"This offer expired at {endedAt:yyyy-MM-dd HH:mm} UTC and can no longer be claimed.");

    /// <summary>The code of <see cref="AlreadyClaimed"/>: a caller that sees it knows the claim happened elsewhere.</summary>
    public const string AlreadyClaimedCode = "already_claimed";

    public static Error AlreadyClaimed(DateTime claimedAt, int limit) =>
        new(AlreadyClaimedCode, $"You already claimed this offer at {claimedAt:yyyy-MM-dd HH:mm:ss} UTC. {CreditExpiry.DescribeClaimLimit(limit)}.");

    public static Error TooManyAttempts(int attempts, TimeSpan window) =>
        new("too_many_attempts", $"Too many failed code attempts (more than {attempts} in {window.TotalMinutes:0} minutes). Wait a few minutes and try again.");
}

/// <summary>Why a campaign or code could not be created or changed.</summary>
public static class CampaignErrors
{
    public static readonly Error CampaignNotFound = new("campaign_not_found", "There is no such campaign.");
    public static readonly Error NameRequired = new("invalid_campaign", "A campaign needs a name.");
    public static readonly Error NameTooLong = new("invalid_campaign", "A campaign name has at most 200 characters.");
    public static readonly Error RulesLocked = new("campaign_rules_locked",
        "This campaign has already been claimed, so its money rules (bucket, amount, credit expiry, claim limit) can no longer change. Name, notes and the claim window still can.");
    public static readonly Error InvalidExpiry = new("invalid_expiry_rule",
        "A fixed-date expiry needs a date in the future; an expiry after the claim needs a number of days of at least 1; no expiry takes neither.");
    public static readonly Error InvalidWindow = new("invalid_claim_window", "The claim window must end after it starts.");
    public static readonly Error InvalidClaimLimit = new("invalid_claim_limit", "The claim limit per account must be at least 1.");
    public static readonly Error InvalidBudget = new("invalid_budget", "A budget must be positive.");
    public static readonly Error CodesOnlyForPromo = new("codes_only_for_promo", "Redeem codes belong to promo campaigns; starter credit is claimed without a code.");
    public static readonly Error InvalidCodeCount = new("invalid_code_count", "Generate between 1 and 10,000 codes at a time.");
    public static readonly Error InvalidMaxRedemptions = new("invalid_max_redemptions", "A code must allow at least one redemption.");
    public static readonly Error CodeTaken = new("code_taken", "This code already exists.");
    public static readonly Error CodeRedeemed = new("code_redeemed", "This code has been redeemed, so it can only be disabled, not deleted.");

    public static Error InvalidCode(string code) =>
        new("invalid_code", $"'{code}' is not a code of the form TF-XXXX-XXXX-XXXX using the letters and digits {RedeemCodeFormat.Alphabet}.");
}
