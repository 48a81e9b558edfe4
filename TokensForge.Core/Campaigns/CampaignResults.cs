using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Campaigns;

/// <summary>One day of a campaign's ledger activity (UTC days).</summary>
public sealed record CampaignDay(DateTime Day, int Redemptions, long Credited, long Spent, long Expired);

/// <summary>
/// Whether a campaign created usage, every figure folded from the ledger: the campaign's grants are the accounts
/// its <c>redeem</c> transfers credited, and what happened to that credit is the transfers debiting them.
/// </summary>
/// <param name="CodesGenerated">Codes of the campaign that exist now (deleted unused codes are gone).</param>
/// <param name="CodesRedeemed">Codes redeemed at least once.</param>
/// <param name="Redemptions">Claims: <c>redeem</c> transfers out of the campaign's funding account.</param>
/// <param name="Credited">The sum of those transfers.</param>
/// <param name="Spent">Posted <c>charge</c> transfers debiting the campaign's grants.</param>
/// <param name="Expired">Breakage: <c>expire</c> transfers moving what was left of expired grants to <c>sys:breakage</c>.</param>
/// <param name="OnHold">Reserved by requests in flight (pending charges not yet resolved).</param>
/// <param name="Available">What the campaign's unexpired grants can still pay: balance less holds.</param>
/// <param name="AccountsClaimed">Distinct accounts that claimed.</param>
/// <param name="AccountsWithUsage">Distinct accounts with at least one posted charge on the campaign's credit.</param>
/// <param name="AccountsToppedUpLater">Distinct claiming accounts with a top-up grant created after their claim.</param>
public sealed record CampaignResults(
    Guid CampaignId,
    string Name,
    CampaignKind Kind,
    string BucketName,
    long AmountPerClaim,
    long? Budget,
    int CodesGenerated,
    int CodesRedeemed,
    int Redemptions,
    long Credited,
    long Spent,
    long Expired,
    long OnHold,
    long Available,
    int AccountsClaimed,
    int AccountsWithUsage,
    int AccountsToppedUpLater,
    IReadOnlyList<CampaignDay> Days);

/// <summary>Computes <see cref="CampaignResults"/> with set-based queries over the ledger tables.</summary>
public sealed class CampaignResultsQueries(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public async Task<CampaignResults?> GetAsync(Guid campaignId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaign = await db.Campaigns.AsNoTracking().Where(c => c.Id == campaignId)
            .Select(c => new { c.Id, c.Name, c.Kind, BucketName = c.Bucket.DisplayName, c.AmountPerClaim, c.Budget, c.FundingAccountId })
            .FirstOrDefaultAsync(ct);
        if (campaign is null) return null;

        var redeems = db.Transfers.AsNoTracking().Where(t => t.DebitAccountId == campaign.FundingAccountId && t.Code == TransferCode.Redeem);
        var grantAccounts = redeems.Select(t => t.CreditAccountId);
        var fromGrants = db.Transfers.AsNoTracking().Where(t => grantAccounts.Contains(t.DebitAccountId));
        var charges = fromGrants.Where(t => t.Code == TransferCode.Charge && (t.Flags == TransferFlags.PostPending || t.Flags == TransferFlags.None));
        var expiries = fromGrants.Where(t => t.Code == TransferCode.Expire);
        var accounts = db.LedgerAccounts.AsNoTracking().Where(a => grantAccounts.Contains(a.Id));

        var redeemed = await redeems.GroupBy(_ => 1).Select(g => new { Count = g.Count(), Sum = g.Sum(t => t.Amount) }).FirstOrDefaultAsync(ct);
        var spent = await charges.SumAsync(t => (long?)t.Amount, ct) ?? 0;
        var expired = await expiries.SumAsync(t => (long?)t.Amount, ct) ?? 0;
        var onHold = await accounts.SumAsync(a => (long?)a.DebitsPending, ct) ?? 0;
        var available = await db.CreditGrants.AsNoTracking()
            .Where(g => grantAccounts.Contains(g.AccountId))
            .UsableAt(now)
            .SumAsync(g => (long?)(g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending), ct) ?? 0;
        var claimed = await accounts.Select(a => a.UserId).Distinct().CountAsync(ct);
        var used = await accounts.Where(a => charges.Any(t => t.DebitAccountId == a.Id)).Select(a => a.UserId).Distinct().CountAsync(ct);
        var toppedUp = await redeems
            .Join(db.LedgerAccounts, t => t.CreditAccountId, a => a.Id, (t, a) => new { a.UserId, ClaimedAt = t.CreatedAt })
            .Where(x => db.CreditGrants.Any(g => g.UserId == x.UserId && g.Source == GrantSource.TopUp && g.CreatedAt > x.ClaimedAt))
            .Select(x => x.UserId).Distinct().CountAsync(ct);
        var codes = await db.RedeemCodes.Where(c => c.CampaignId == campaignId)
            .GroupBy(_ => 1).Select(g => new { All = g.Count(), Redeemed = g.Count(c => c.RedemptionCount > 0) }).FirstOrDefaultAsync(ct);

        var daily = await redeems.Concat(charges).Concat(expiries)
            .GroupBy(t => new { t.CreatedAt.Date, t.Code })
            .Select(g => new { g.Key.Date, g.Key.Code, Count = g.Count(), Sum = g.Sum(t => t.Amount) })
            .ToListAsync(ct);
        var days = daily.GroupBy(d => d.Date).OrderBy(g => g.Key).Select(g => new CampaignDay(
            DateTime.SpecifyKind(g.Key, DateTimeKind.Utc),
            g.Where(x => x.Code == TransferCode.Redeem).Sum(x => x.Count),
            g.Where(x => x.Code == TransferCode.Redeem).Sum(x => x.Sum),
            g.Where(x => x.Code == TransferCode.Charge).Sum(x => x.Sum),
            g.Where(x => x.Code == TransferCode.Expire).Sum(x => x.Sum))).ToList();

        return new CampaignResults(campaign.Id, campaign.Name, campaign.Kind, campaign.BucketName, campaign.AmountPerClaim, campaign.Budget,
            codes?.All ?? 0, codes?.Redeemed ?? 0, redeemed?.Count ?? 0, redeemed?.Sum ?? 0, spent, expired, onHold, available,
            claimed, used, toppedUp, days);
    }
}
