using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Campaigns;

/// <summary>The starter credit an account can claim now, and how often it already did.</summary>
public sealed record StarterOffer(
    Guid CampaignId,
    string Name,
    string BucketKey,
    string BucketName,
    long Amount,
    string ExpiryRuleText,
    int ClaimLimitPerAccount,
    int Claimed,
    DateTime? LastClaimedAt,
    Guid? LastRedemptionId)
{
    public bool CanClaim => Claimed < ClaimLimitPerAccount;
    public string ClaimRule => CreditExpiry.DescribeClaimLimit(ClaimLimitPerAccount);
}

/// <summary>
/// Claims starter credit and redeems codes. A claim is one database transaction: check the campaign (and code),
/// count the account's claims, count the code's redemptions with a conditional update, create the grant, move the
/// amount from <c>sys:promo:{campaignId}</c> into it with a <c>redeem</c> transfer and write the redemption row.
/// The per-account limit is a unique index and the per-code limit a conditional update, so both hold under any
/// concurrency and across app instances.
/// </summary>
public sealed class ClaimService(
    IDbContextFactory<AppDbContext> contexts,
    WriteTransaction writes,
    GrantIssuer issuer,
    RedemptionQueries redemptions,
    IOptions<CampaignOptions> options,
    CampaignMetrics metrics,
    TimeProvider time)
{
    private const string Throttled = "too_many_attempts";

    private delegate Task<Result<(Campaign Campaign, RedeemCode? Code)>> Resolve(AppDbContext db, DateTime now, CancellationToken ct);

    /// <summary>The newest starter campaign open for claims, with this account's claims of it; null when there is none.</summary>
    public async Task<StarterOffer?> GetStarterOfferAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaign = await OpenStarters(db, now).AsNoTracking().Include(c => c.Bucket).FirstOrDefaultAsync(ct);
        if (campaign is null) return null;
        var claims = await db.Redemptions.AsNoTracking().Where(r => r.CampaignId == campaign.Id && r.UserId == userId)
            .OrderByDescending(r => r.ClaimNumber).Select(r => new { r.Id, r.ClaimedAt }).ToListAsync(ct);
        return new StarterOffer(campaign.Id, campaign.Name, campaign.BucketKey, campaign.Bucket.DisplayName, campaign.AmountPerClaim,
            CreditExpiry.Describe(campaign.ExpiryRule, campaign.CreditExpiresOn, campaign.CreditExpiryDays), campaign.ClaimLimitPerAccount,
            claims.Count, claims.FirstOrDefault()?.ClaimedAt, claims.FirstOrDefault()?.Id);
    }

    /// <summary>Claims the open starter campaign for <paramref name="userId"/> (no code).</summary>
    public async Task<Result<RedemptionView>> ClaimStarterAsync(string userId, string? clientIp, CancellationToken ct = default) =>
        Counted(await ClaimAsync(userId, clientIp, ResolveStarterAsync, ct));

    /// <summary>
    /// Redeems a code for <paramref name="userId"/>. Every attempt is recorded first; an account or IP address with
    /// more failed attempts than allowed in the window is refused before the code is even looked up.
    /// </summary>
    public async Task<Result<RedemptionView>> RedeemCodeAsync(string userId, string code, string? clientIp, CancellationToken ct = default)
    {
        var attemptId = await RecordAttemptAsync(userId, clientIp, code ?? "", ct);
        if (await IsThrottledAsync(userId, clientIp, ct))
        {
            await SetOutcomeAsync(attemptId, Throttled, ct);
            return Counted(CodeErrors.TooManyAttempts(options.Value.MaxFailedAttempts, options.Value.AttemptWindow));
        }

        var result = RedeemCodeFormat.TryNormalize(code, out var canonical)
            ? await ClaimAsync(userId, clientIp, (db, now, token) => ResolveCodeAsync(db, canonical, now, token), ct)
            : CodeErrors.CodeNotFound;
        await SetOutcomeAsync(attemptId, result.Succeeded ? CodeAttempt.Succeeded : result.Error!.Code, ct);
        return Counted(result);
    }

    private Result<RedemptionView> Counted(Result<RedemptionView> result)
    {
        if (result.Succeeded) metrics.Claimed(result.Value!);
        else metrics.Refused(result.Error!.Code);
        return result;
    }

    /// <summary>
    /// One claim in one transaction. A concurrent claim that got there first (unique index), or PostgreSQL choosing
    /// this one as a deadlock victim, runs it again, which now answers precisely (already claimed, exhausted…).
    /// </summary>
    private async Task<Result<RedemptionView>> ClaimAsync(string userId, string? clientIp, Resolve resolve, CancellationToken ct)
    {
        var claimed = await writes.RunAsync(async (db, token) =>
        {
            var outcome = await ClaimInTransactionAsync(db, userId, clientIp, resolve, token);
            return new WriteOutcome<Result<Guid>>(outcome, outcome.Succeeded);
        }, ct);
        if (!claimed.Succeeded) return claimed.Error!;
        return await redemptions.GetAsync(userId, claimed.Value, ct) ?? throw new InvalidOperationException("The committed redemption cannot be read back.");
    }

    /// <summary>The claim itself; on a failure the caller rolls back whatever this wrote.</summary>
    private async Task<Result<Guid>> ClaimInTransactionAsync(AppDbContext db, string userId, string? clientIp, Resolve resolve, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var target = await resolve(db, now, ct);
        if (!target.Succeeded) return target.Error!;
        var (campaign, code) = target.Value;

        // PostgreSQL: claims of one campaign queue on its funding account's row, so the counts below see every claim
        // committed before. SQLite's IMMEDIATE transaction already excludes other writers.
        await LedgerWriter.LockAccountsAsync(db, [campaign.FundingAccountId], ct);

        // Read the campaign again behind the lock: an admin's edit or disable that committed meanwhile is seen here.
        campaign = await db.Campaigns.AsNoTracking().FirstAsync(c => c.Id == campaign.Id, ct);
        if (Refusal(campaign, now) is { } refusal) return refusal;

        var claims = await db.Redemptions.Where(r => r.CampaignId == campaign.Id && r.UserId == userId).Select(r => r.ClaimedAt).ToListAsync(ct);
        if (claims.Count >= campaign.ClaimLimitPerAccount) return CodeErrors.AlreadyClaimed(claims.Max(), campaign.ClaimLimitPerAccount);

        if (code is not null)
        {
            var counted = await db.RedeemCodes
                .Where(c => c.Id == code.Id && c.Status == CodeStatus.Active && c.RedemptionCount < c.MaxRedemptions)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.RedemptionCount, c => c.RedemptionCount + 1)
                    .SetProperty(c => c.LastRedeemedAt, now), ct);
            if (counted != 1)
            {
                var status = await db.RedeemCodes.Where(c => c.Id == code.Id).Select(c => (CodeStatus?)c.Status).FirstOrDefaultAsync(ct);
                return status switch
                {
                    null => CodeErrors.CodeNotFound, // deleted by an admin a moment ago
                    CodeStatus.Disabled => CodeErrors.CodeDisabled,
                    _ => CodeErrors.CodeExhausted,
                };
            }
        }

        var bucket = await db.Buckets.AsNoTracking().FirstAsync(b => b.Key == campaign.BucketKey, ct);
        var redemptionId = Guid.CreateVersion7();
        var expiresAt = campaign.CreditExpiryFor(now);
        var label = code is null ? campaign.Name : $"Code {code.Code} ({campaign.Name})";
        var issued = await issuer.IssueAsync(db, new GrantRequest(userId, campaign.BucketKey, campaign.AmountPerClaim, GrantCategory.Promotional,
            campaign.Kind == CampaignKind.Starter ? GrantSource.Starter : GrantSource.Campaign, label, campaign.FundingAccountId, TransferCode.Redeem,
            ExpiresAt: expiresAt, SourceRef: redemptionId.ToString(), EffectiveAt: now, Reference: redemptionId.ToString(), Memo: label), ct: ct);
        if (!issued.Succeeded) return issued.Error == LedgerErrors.InsufficientBalance ? CodeErrors.BudgetExhausted : issued.Error!;

        var grant = issued.Value!;
        db.Redemptions.Add(new Redemption(redemptionId, campaign.Id, code?.Id, userId, claims.Count + 1, campaign.BucketKey, campaign.AmountPerClaim,
            grant.CreatedAt, grant.GrantId, grant.TransferId, grant.TxId, expiresAt, bucket.PaysOfficial, bucket.PaysRouted, clientIp));
        await db.SaveChangesAsync(ct);
        return redemptionId;
    }

    private static async Task<Result<(Campaign, RedeemCode?)>> ResolveStarterAsync(AppDbContext db, DateTime now, CancellationToken ct)
    {
        var open = await OpenStarters(db, now).AsNoTracking().FirstOrDefaultAsync(ct);
        if (open is not null) return (open, null);
        // Nothing open: explain with the newest starter campaign why not.
        var latest = await db.Campaigns.AsNoTracking().Where(c => c.Kind == CampaignKind.Starter)
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).FirstOrDefaultAsync(ct);
        return (latest is null ? null : Refusal(latest, now)) ?? CodeErrors.NoStarterCampaign;
    }

    private static async Task<Result<(Campaign, RedeemCode?)>> ResolveCodeAsync(AppDbContext db, string canonical, DateTime now, CancellationToken ct)
    {
        var code = await db.RedeemCodes.AsNoTracking().Include(c => c.Campaign).FirstOrDefaultAsync(c => c.Code == canonical, ct);
        if (code is null) return CodeErrors.CodeNotFound;
        if (code.Status == CodeStatus.Disabled) return CodeErrors.CodeDisabled;
        if (Refusal(code.Campaign, now) is { } refusal) return refusal;
        return (code.Campaign, code);
    }

    /// <summary>Why a campaign cannot be claimed at <paramref name="now"/>, or null when it can.</summary>
    private static Error? Refusal(Campaign campaign, DateTime now)
    {
        if (campaign.Status == CampaignStatus.Disabled) return CodeErrors.CampaignDisabled;
        if (campaign.StartsAt is { } starts && now < starts) return CodeErrors.NotYetValid(starts);
        if (campaign.EndsAt is { } ends && now >= ends) return CodeErrors.Expired(ends);
        // Credit that would be dead on arrival is not given.
        if (campaign.ExpiryRule == CreditExpiryRule.FixedDate && campaign.CreditExpiresOn is { } fixedExpiry && now >= fixedExpiry)
            return CodeErrors.Expired(fixedExpiry);
        return null;
    }

    private static IQueryable<Campaign> OpenStarters(AppDbContext db, DateTime now) => db.Campaigns
        .Where(c => c.Kind == CampaignKind.Starter && c.Status == CampaignStatus.Active
            && (c.StartsAt == null || c.StartsAt <= now) && (c.EndsAt == null || c.EndsAt > now)
            && (c.ExpiryRule != CreditExpiryRule.FixedDate || c.CreditExpiresOn > now))
        .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id);

    private async Task<long> RecordAttemptAsync(string userId, string? clientIp, string input, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var attempt = new CodeAttempt(userId, clientIp, input, time.GetUtcNow().UtcDateTime);
        db.CodeAttempts.Add(attempt);
        await db.SaveChangesAsync(ct);
        return attempt.Id;
    }

    /// <summary>
    /// Counts failed and still-running attempts (this one included) in the window: the account's against
    /// <see cref="CampaignOptions.MaxFailedAttempts"/>, and the IP address's against the higher
    /// <see cref="CampaignOptions.MaxFailedAttemptsPerAddress"/>, because many people share one address behind a NAT or
    /// proxy and one guesser must not use up their budget. Every attempt is committed before it counts, so of any number
    /// of parallel attempts the last to count sees them all: no burst gets more than the allowed number past this check.
    /// </summary>
    private async Task<bool> IsThrottledAsync(string userId, string? clientIp, CancellationToken ct)
    {
        var since = time.GetUtcNow().UtcDateTime - options.Value.AttemptWindow;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var recent = db.CodeAttempts.Where(a => a.AttemptedAt > since
            && (a.Outcome == null || (a.Outcome != CodeAttempt.Succeeded && a.Outcome != Throttled)));
        if (await recent.CountAsync(a => a.UserId == userId, ct) > options.Value.MaxFailedAttempts) return true;
        return clientIp is not null && await recent.CountAsync(a => a.ClientIp == clientIp, ct) > options.Value.MaxFailedAttemptsPerAddress;
    }

    private async Task SetOutcomeAsync(long attemptId, string outcome, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.CodeAttempts.Where(a => a.Id == attemptId).ExecuteUpdateAsync(s => s.SetProperty(a => a.Outcome, outcome), ct);
    }
}
