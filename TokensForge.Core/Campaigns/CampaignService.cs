using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Campaigns;

/// <summary>What a new campaign gives and when; see <see cref="Campaign"/> for each field.</summary>
public sealed record CampaignDraft(
    string Name,
    CampaignKind Kind,
    string BucketKey,
    long AmountPerClaim,
    CreditExpiryRule ExpiryRule = CreditExpiryRule.None,
    DateTime? CreditExpiresOn = null,
    int? CreditExpiryDays = null,
    DateTime? StartsAt = null,
    DateTime? EndsAt = null,
    int ClaimLimitPerAccount = 1,
    long? Budget = null,
    string? Notes = null);

/// <summary>
/// Creates campaigns with their funding account and issues their redeem codes. A budgeted campaign's account
/// refuses to go below zero, and the budget is moved into it from <c>sys:adjustments</c> when it is created,
/// so the database itself caps what the campaign can give.
/// </summary>
public sealed class CampaignService(IDbContextFactory<AppDbContext> contexts, LedgerWriter writer, TimeProvider time)
{
    public const int MaxCodesPerBatch = 10_000;
    private const int InsertChunk = 500;

    public async Task<Result<Campaign>> CreateAsync(CampaignDraft draft, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (string.IsNullOrWhiteSpace(draft.Name)) return CampaignErrors.NameRequired;
        if (draft.AmountPerClaim <= 0) return LedgerErrors.InvalidAmount;
        if (draft.ClaimLimitPerAccount < 1) return CampaignErrors.InvalidClaimLimit;
        if (draft.Budget is <= 0) return CampaignErrors.InvalidBudget;
        if (draft.StartsAt is { } s && draft.EndsAt is { } e && e <= s) return CampaignErrors.InvalidWindow;
        var expiryValid = draft.ExpiryRule switch
        {
            CreditExpiryRule.None => draft.CreditExpiresOn is null && draft.CreditExpiryDays is null,
            CreditExpiryRule.FixedDate => draft.CreditExpiresOn > now && draft.CreditExpiryDays is null,
            CreditExpiryRule.DaysAfterClaim => draft.CreditExpiryDays >= 1 && draft.CreditExpiresOn is null,
            _ => false,
        };
        if (!expiryValid) return CampaignErrors.InvalidExpiry;

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Buckets.AnyAsync(b => b.Key == draft.BucketKey, ct)) return WalletErrors.UnknownBucket(draft.BucketKey);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var id = Guid.CreateVersion7();
        var account = new LedgerAccount(Guid.CreateVersion7(), SystemAccounts.PromoAddress(id), debitsMustNotExceedCredits: draft.Budget is not null, userId: null, now);
        var campaign = new Campaign(id, draft.Name.Trim(), draft.Kind, draft.BucketKey, draft.AmountPerClaim, draft.ExpiryRule,
            draft.CreditExpiresOn, draft.CreditExpiryDays, draft.StartsAt, draft.EndsAt, draft.ClaimLimitPerAccount, draft.Budget,
            account.Id, string.IsNullOrWhiteSpace(draft.Notes) ? null : draft.Notes.Trim(), actor, now);
        db.LedgerAccounts.Add(account);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        db.Entry(account).State = EntityState.Detached;

        if (draft.Budget is { } budget)
        {
            var outcome = await writer.ApplyAsync(db, Guid.CreateVersion7(),
                [TransferSpec.Single(Guid.CreateVersion7(), SystemAccounts.AdjustmentsId, account.Id, budget, TransferCode.Adjust, id.ToString(), $"Budget of campaign {campaign.Name}")], ct);
            if (!outcome.Succeeded)
            {
                await tx.RollbackAsync(ct);
                return outcome.Error!;
            }
        }
        await tx.CommitAsync(ct);
        db.Entry(campaign).State = EntityState.Detached;
        return campaign;
    }

    public Task<Result<bool>> DisableCampaignAsync(Guid campaignId, CancellationToken ct = default) => SetStatusAsync(campaignId, CampaignStatus.Disabled, ct);

    public Task<Result<bool>> EnableCampaignAsync(Guid campaignId, CancellationToken ct = default) => SetStatusAsync(campaignId, CampaignStatus.Active, ct);

    private async Task<Result<bool>> SetStatusAsync(Guid campaignId, CampaignStatus status, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, ct);
        if (campaign is null) return CampaignErrors.CampaignNotFound;
        if (status == CampaignStatus.Disabled) campaign.Disable();
        else campaign.Enable();
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Adds one code with a chosen text (printed codes, demo data); it must already be a valid code.</summary>
    public async Task<Result<RedeemCode>> AddCodeAsync(Guid campaignId, string code, int maxRedemptions, string actor, CancellationToken ct = default)
    {
        if (!RedeemCodeFormat.TryNormalize(code, out var canonical)) return CampaignErrors.InvalidCode(code);
        if (maxRedemptions < 1) return CampaignErrors.InvalidMaxRedemptions;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await CheckPromoAsync(db, campaignId, ct) is { } error) return error;
        if (await db.RedeemCodes.AnyAsync(c => c.Code == canonical, ct)) return CampaignErrors.CodeTaken;
        var row = new RedeemCode(Guid.CreateVersion7(), campaignId, canonical, maxRedemptions, actor, time.GetUtcNow().UtcDateTime);
        db.RedeemCodes.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (LedgerService.IsRace(ex))
        {
            return CampaignErrors.CodeTaken;
        }
        db.Entry(row).State = EntityState.Detached;
        return row;
    }

    /// <summary>
    /// Generates <paramref name="count"/> new crypto-random codes for a promo campaign and returns them. Codes
    /// are inserted in chunks; a collision with an existing code (about 1 in 2^57 per pair) is drawn again.
    /// </summary>
    public async Task<Result<IReadOnlyList<string>>> GenerateCodesAsync(Guid campaignId, int count, int maxRedemptions, string actor, CancellationToken ct = default)
    {
        if (count is < 1 or > MaxCodesPerBatch) return CampaignErrors.InvalidCodeCount;
        if (maxRedemptions < 1) return CampaignErrors.InvalidMaxRedemptions;
        await using (var check = await contexts.CreateDbContextAsync(ct))
        {
            if (await CheckPromoAsync(check, campaignId, ct) is { } error) return error;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var created = new List<string>(count);
        while (created.Count < count)
        {
            var want = Math.Min(InsertChunk, count - created.Count);
            var batch = new HashSet<string>(want);
            while (batch.Count < want) batch.Add(RedeemCodeFormat.Generate());
            await using var db = await contexts.CreateDbContextAsync(ct);
            var candidates = batch.ToList();
            var taken = await db.RedeemCodes.Where(c => candidates.Contains(c.Code)).Select(c => c.Code).ToListAsync(ct);
            var fresh = batch.Except(taken).Except(created).ToList();
            db.RedeemCodes.AddRange(fresh.Select(code => new RedeemCode(Guid.CreateVersion7(), campaignId, code, maxRedemptions, actor, now)));
            try
            {
                await db.SaveChangesAsync(ct);
                created.AddRange(fresh);
            }
            catch (DbUpdateException ex) when (LedgerService.IsRace(ex))
            {
                // Another writer inserted one of these codes a moment ago: nothing of this chunk was kept; draw it again.
            }
        }
        return created;
    }

    /// <summary>Disables a code; a redeemed code keeps its history and can only be disabled, never deleted.</summary>
    public async Task<Result<bool>> DisableCodeAsync(string code, string actor, CancellationToken ct = default)
    {
        if (!RedeemCodeFormat.TryNormalize(code, out var canonical)) return CampaignErrors.CodeNotFound;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.RedeemCodes.FirstOrDefaultAsync(c => c.Code == canonical, ct);
        if (row is null) return CampaignErrors.CodeNotFound;
        row.Disable(actor, time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Deletes a code that was never redeemed; the condition is part of the DELETE, so a concurrent redemption wins.</summary>
    public async Task<Result<bool>> DeleteCodeAsync(string code, CancellationToken ct = default)
    {
        if (!RedeemCodeFormat.TryNormalize(code, out var canonical)) return CampaignErrors.CodeNotFound;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var deleted = await db.RedeemCodes.Where(c => c.Code == canonical && c.RedemptionCount == 0).ExecuteDeleteAsync(ct);
        if (deleted == 1) return true;
        return await db.RedeemCodes.AnyAsync(c => c.Code == canonical, ct) ? CampaignErrors.CodeRedeemed : CampaignErrors.CodeNotFound;
    }

    private static async Task<Error?> CheckPromoAsync(AppDbContext db, Guid campaignId, CancellationToken ct)
    {
        var kind = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => (CampaignKind?)c.Kind).FirstOrDefaultAsync(ct);
        return kind switch
        {
            null => CampaignErrors.CampaignNotFound,
            CampaignKind.Starter => CampaignErrors.CodesOnlyForPromo,
            _ => null,
        };
    }
}
