using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
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
/// The editable fields of a campaign. Name, notes and the claim window may change at any time; the money rules
/// (bucket, amount, expiry rule, claim limit) only while nothing was claimed. Kind and budget are fixed at creation.
/// </summary>
public sealed record CampaignEdit(
    string Name,
    string BucketKey,
    long AmountPerClaim,
    CreditExpiryRule ExpiryRule,
    DateTime? CreditExpiresOn,
    int? CreditExpiryDays,
    DateTime? StartsAt,
    DateTime? EndsAt,
    int ClaimLimitPerAccount,
    string? Notes)
{
    public static CampaignEdit From(Campaign c) => new(c.Name, c.BucketKey, c.AmountPerClaim, c.ExpiryRule, c.CreditExpiresOn, c.CreditExpiryDays,
        c.StartsAt, c.EndsAt, c.ClaimLimitPerAccount, c.Notes);
}

/// <summary>A batch of generated codes; <see cref="BatchId"/> addresses its CSV download.</summary>
public sealed record CodeBatch(Guid BatchId, Guid CampaignId, string CampaignName, int MaxRedemptions, DateTime CreatedAt, IReadOnlyList<string> Codes);

/// <summary>A code a bulk action did not change, and why.</summary>
public sealed record RefusedCode(Guid Id, string Code, Error Error);

/// <summary>
/// What a bulk code action did: the codes changed (one audit event each), the codes already in the wanted state,
/// and the codes refused (a redeemed code cannot be deleted).
/// </summary>
public sealed record BulkCodeOutcome(IReadOnlyList<string> Changed, IReadOnlyList<string> Unchanged, IReadOnlyList<RefusedCode> Refused, int NotFound);

/// <summary>
/// Creates and edits campaigns with their funding account and issues and manages their redeem codes. A budgeted
/// campaign's account refuses to go below zero, and the budget is moved into it from <c>sys:adjustments</c> when it
/// is created, so the database itself caps what the campaign can give. Every change writes an audit event in its
/// own transaction, so the change and its record commit or roll back together.
/// </summary>
public sealed class CampaignService(IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, LedgerWriter writer, AuditLog audit, TimeProvider time)
{
    public const int MaxCodesPerBatch = 10_000;
    private const int InsertChunk = 1_000;
    private const int Attempts = 3;

    public async Task<Result<Campaign>> CreateAsync(CampaignDraft draft, string actor, string? ip = null, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (draft.Budget is <= 0) return CampaignErrors.InvalidBudget;
        if (Validate(draft.Name, draft.AmountPerClaim, draft.ClaimLimitPerAccount, draft.StartsAt, draft.EndsAt,
                draft.ExpiryRule, draft.CreditExpiresOn, draft.CreditExpiryDays, now, checkFixedDateInFuture: true) is { } invalid)
            return invalid;

        return await writes.RunAsync((db, token) => CreateInTransactionAsync(db, draft, actor, ip, now, token), ct);
    }

    private async Task<WriteOutcome<Result<Campaign>>> CreateInTransactionAsync(AppDbContext db, CampaignDraft draft, string actor, string? ip,
        DateTime now, CancellationToken ct)
    {
        if (!await db.Buckets.AnyAsync(b => b.Key == draft.BucketKey, ct)) return Write.Rollback<Result<Campaign>>(WalletErrors.UnknownBucket(draft.BucketKey));

        var id = Guid.CreateVersion7();
        var account = new LedgerAccount(Guid.CreateVersion7(), SystemAccounts.PromoAddress(id), debitsMustNotExceedCredits: draft.Budget is not null, userId: null, now);
        var campaign = new Campaign(id, draft.Name.Trim(), draft.Kind, draft.BucketKey, draft.AmountPerClaim, draft.ExpiryRule,
            draft.CreditExpiresOn, draft.CreditExpiryDays, draft.StartsAt, draft.EndsAt, draft.ClaimLimitPerAccount, draft.Budget,
            account.Id, Clean(draft.Notes), actor, now);
        db.LedgerAccounts.Add(account);
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync(ct);
        db.Entry(account).State = EntityState.Detached;

        if (draft.Budget is { } budget)
        {
            var outcome = await writer.ApplyAsync(db, Guid.CreateVersion7(),
                [TransferSpec.Single(Guid.CreateVersion7(), SystemAccounts.AdjustmentsId, account.Id, budget, TransferCode.Adjust, id.ToString(), $"Budget of campaign {campaign.Name}")], ct);
            if (!outcome.Succeeded) return Write.Rollback<Result<Campaign>>(outcome.Error!);
        }
        await audit.AppendAsync(db, new AuditEntry(actor, "campaign.create", CampaignTarget(id), After: Snapshot(campaign), Ip: ip), ct);
        db.Entry(campaign).State = EntityState.Detached;
        return Write.Commit<Result<Campaign>>(campaign);
    }

    /// <summary>
    /// Edits a campaign. The money rules are locked once anything was claimed: the campaign's funding account is
    /// locked first (claims lock it too), so a claim and an edit of the rules cannot interleave.
    /// </summary>
    public Task<Result<Campaign>> UpdateAsync(Guid campaignId, CampaignEdit edit, string actor, string? ip = null, CancellationToken ct = default) =>
        writes.RunAsync(async (db, token) =>
        {
            var updated = await UpdateInTransactionAsync(db, campaignId, edit, actor, ip, token);
            return new WriteOutcome<Result<Campaign>>(updated, updated.Succeeded);
        }, ct);

    private async Task<Result<Campaign>> UpdateInTransactionAsync(AppDbContext db, Guid campaignId, CampaignEdit edit, string actor, string? ip, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var fundingId = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => (Guid?)c.FundingAccountId).FirstOrDefaultAsync(ct);
        if (fundingId is null) return CampaignErrors.CampaignNotFound;
        await LedgerWriter.LockAccountsAsync(db, [fundingId.Value], ct);
        var campaign = await db.Campaigns.FirstAsync(c => c.Id == campaignId, ct);

        var rulesChange = edit.BucketKey != campaign.BucketKey || edit.AmountPerClaim != campaign.AmountPerClaim || edit.ExpiryRule != campaign.ExpiryRule
            || edit.CreditExpiresOn != campaign.CreditExpiresOn || edit.CreditExpiryDays != campaign.CreditExpiryDays
            || edit.ClaimLimitPerAccount != campaign.ClaimLimitPerAccount;
        if (Validate(edit.Name, edit.AmountPerClaim, edit.ClaimLimitPerAccount, edit.StartsAt, edit.EndsAt, edit.ExpiryRule,
                edit.CreditExpiresOn, edit.CreditExpiryDays, now, checkFixedDateInFuture: rulesChange) is { } invalid)
            return invalid;
        if (rulesChange)
        {
            if (await db.Redemptions.AnyAsync(r => r.CampaignId == campaignId, ct)) return CampaignErrors.RulesLocked;
            if (!await db.Buckets.AnyAsync(b => b.Key == edit.BucketKey, ct)) return WalletErrors.UnknownBucket(edit.BucketKey);
        }

        var before = Snapshot(campaign);
        campaign.Describe(edit.Name.Trim(), Clean(edit.Notes), edit.StartsAt, edit.EndsAt);
        if (rulesChange) campaign.ChangeRules(edit.BucketKey, edit.AmountPerClaim, edit.ExpiryRule, edit.CreditExpiresOn, edit.CreditExpiryDays, edit.ClaimLimitPerAccount);
        var after = Snapshot(campaign);
        if (after != before)
        {
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor, "campaign.update", CampaignTarget(campaignId), before, after, ip), ct);
        }
        db.Entry(campaign).State = EntityState.Detached;
        return campaign;
    }

    public Task<Result<bool>> DisableCampaignAsync(Guid campaignId, string actor, string? ip = null, CancellationToken ct = default) =>
        SetStatusAsync(campaignId, CampaignStatus.Disabled, actor, ip, ct);

    public Task<Result<bool>> EnableCampaignAsync(Guid campaignId, string actor, string? ip = null, CancellationToken ct = default) =>
        SetStatusAsync(campaignId, CampaignStatus.Active, actor, ip, ct);

    private Task<Result<bool>> SetStatusAsync(Guid campaignId, CampaignStatus status, string actor, string? ip, CancellationToken ct) =>
        writes.RunAsync(async (db, token) =>
        {
            var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, token);
            if (campaign is null) return Write.Rollback<Result<bool>>(CampaignErrors.CampaignNotFound);
            if (campaign.Status == status) return Write.Rollback<Result<bool>>(true);
            var before = Snapshot(campaign);
            if (status == CampaignStatus.Disabled) campaign.Disable();
            else campaign.Enable();
            await db.SaveChangesAsync(token);
            var action = status == CampaignStatus.Disabled ? "campaign.disable" : "campaign.enable";
            await audit.AppendAsync(db, new AuditEntry(actor, action, CampaignTarget(campaignId), before, Snapshot(campaign), ip), token);
            return Write.Commit<Result<bool>>(true);
        }, ct);

    /// <summary>Adds one code with a chosen text (printed codes, demo data); it must already be a valid code.</summary>
    /// <remarks>Another writer adding the same code at once makes this run again, which then finds the code taken.</remarks>
    public async Task<Result<RedeemCode>> AddCodeAsync(Guid campaignId, string code, int maxRedemptions, string actor, string? ip = null, CancellationToken ct = default)
    {
        if (!RedeemCodeFormat.TryNormalize(code, out var canonical)) return CampaignErrors.InvalidCode(code);
        if (maxRedemptions < 1) return CampaignErrors.InvalidMaxRedemptions;
        return await writes.RunAsync(async (db, token) =>
        {
            if ((await FindPromoAsync(db, campaignId, token)).Error is { } error) return Write.Rollback<Result<RedeemCode>>(error);
            if (await db.RedeemCodes.AnyAsync(c => c.Code == canonical, token)) return Write.Rollback<Result<RedeemCode>>(CampaignErrors.CodeTaken);
            var row = new RedeemCode(Guid.CreateVersion7(), campaignId, canonical, maxRedemptions, actor, time.GetUtcNow().UtcDateTime);
            db.RedeemCodes.Add(row);
            await db.SaveChangesAsync(token);
            await audit.AppendAsync(db, new AuditEntry(actor, "code.create", CodeTarget(canonical), After: Snapshot(row), Ip: ip), token);
            db.Entry(row).State = EntityState.Detached;
            return Write.Commit<Result<RedeemCode>>(row);
        }, ct);
    }

    /// <summary>
    /// Generates <paramref name="count"/> new crypto-random codes for a promo campaign as one batch, in one
    /// transaction with its <c>codes.generate</c> audit event, inserted with multi-row statements. Codes already taken are
    /// drawn again; should another writer insert one of the same codes meanwhile (about 1 in 2^57 per pair), the whole
    /// batch is drawn again.
    /// </summary>
    public async Task<Result<CodeBatch>> GenerateCodesAsync(Guid campaignId, int count, int maxRedemptions, string actor, string? ip = null, CancellationToken ct = default)
    {
        if (count is < 1 or > MaxCodesPerBatch) return CampaignErrors.InvalidCodeCount;
        if (maxRedemptions < 1) return CampaignErrors.InvalidMaxRedemptions;

        // A concurrent batch that inserted one of these codes a moment ago makes the whole batch run again: nothing of it was kept.
        return await writes.RunAsync(async (db, token) =>
        {
            var found = await FindPromoAsync(db, campaignId, token);
            if (!found.Succeeded) return Write.Rollback<Result<CodeBatch>>(found.Error!);
            var now = time.GetUtcNow().UtcDateTime;
            var batchId = Guid.CreateVersion7();
            var created = new List<string>(count);
            var drawn = new HashSet<string>(count);
            while (created.Count < count)
            {
                var want = Math.Min(InsertChunk, count - created.Count);
                var candidates = new List<string>(want);
                while (candidates.Count < want)
                {
                    var code = RedeemCodeFormat.Generate();
                    if (drawn.Add(code)) candidates.Add(code);
                }
                var taken = (await db.RedeemCodes.Where(c => candidates.Contains(c.Code)).Select(c => c.Code).ToListAsync(token)).ToHashSet();
                var fresh = candidates.Where(c => !taken.Contains(c)).ToList();
                await BulkInsert.InsertAsync(db, fresh.Select(code => new RedeemCode(Guid.CreateVersion7(), campaignId, code, maxRedemptions, actor, now, batchId)).ToList(), token);
                created.AddRange(fresh);
            }
            await audit.AppendAsync(db, new AuditEntry(actor, "codes.generate", CampaignTarget(campaignId),
                After: new { CampaignId = campaignId, Campaign = found.Value, BatchId = batchId, Count = count, MaxRedemptions = maxRedemptions, First = created[0], Last = created[^1] },
                Ip: ip), token);
            return Write.Commit<Result<CodeBatch>>(new CodeBatch(batchId, campaignId, found.Value!, maxRedemptions, now, created));
        }, ct, Attempts);
    }

    /// <summary>Disables a code; a redeemed code keeps its history and can only be disabled, never deleted.</summary>
    public Task<Result<bool>> DisableCodeAsync(string code, string actor, string? ip = null, CancellationToken ct = default) =>
        SingleAsync(code, CodeAction.Disable, actor, ip, ct);

    /// <summary>Makes a disabled code redeemable again.</summary>
    public Task<Result<bool>> EnableCodeAsync(string code, string actor, string? ip = null, CancellationToken ct = default) =>
        SingleAsync(code, CodeAction.Enable, actor, ip, ct);

    /// <summary>Deletes a code that was never redeemed; the condition is part of the DELETE, so a concurrent redemption wins.</summary>
    public Task<Result<bool>> DeleteCodeAsync(string code, string actor, string? ip = null, CancellationToken ct = default) =>
        SingleAsync(code, CodeAction.Delete, actor, ip, ct);

    public Task<BulkCodeOutcome> DisableCodesAsync(IReadOnlyCollection<Guid> codeIds, string actor, string? ip = null, CancellationToken ct = default) =>
        BulkAsync(codeIds, CodeAction.Disable, actor, ip, ct);

    public Task<BulkCodeOutcome> EnableCodesAsync(IReadOnlyCollection<Guid> codeIds, string actor, string? ip = null, CancellationToken ct = default) =>
        BulkAsync(codeIds, CodeAction.Enable, actor, ip, ct);

    /// <summary>Deletes the codes never redeemed and reports the redeemed ones as refused (they can only be disabled).</summary>
    public Task<BulkCodeOutcome> DeleteCodesAsync(IReadOnlyCollection<Guid> codeIds, string actor, string? ip = null, CancellationToken ct = default) =>
        BulkAsync(codeIds, CodeAction.Delete, actor, ip, ct);

    private enum CodeAction
    {
        Disable,
        Enable,
        Delete,
    }

    private async Task<Result<bool>> SingleAsync(string code, CodeAction action, string actor, string? ip, CancellationToken ct)
    {
        if (!RedeemCodeFormat.TryNormalize(code, out var canonical)) return CodeErrors.CodeNotFound;
        Guid? id;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            id = await db.RedeemCodes.Where(c => c.Code == canonical).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
        }
        if (id is null) return CodeErrors.CodeNotFound;
        var outcome = await BulkAsync([id.Value], action, actor, ip, ct);
        if (outcome.Refused.Count > 0) return outcome.Refused[0].Error;
        if (outcome.NotFound > 0) return CodeErrors.CodeNotFound;
        return true;
    }

    private async Task<BulkCodeOutcome> BulkAsync(IReadOnlyCollection<Guid> codeIds, CodeAction action, string actor, string? ip, CancellationToken ct)
    {
        var ids = codeIds.Distinct().ToList();
        // Runs again when PostgreSQL picks this transaction as a deadlock victim against a claim.
        return await writes.RunAsync(async (db, token) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var query = db.RedeemCodes.Where(c => ids.Contains(c.Id)).OrderBy(c => c.Id);
            var rows = action == CodeAction.Delete ? await query.AsNoTracking().ToListAsync(token) : await query.ToListAsync(token);
            List<string> changed = [], unchanged = [];
            List<RefusedCode> refused = [];
            foreach (var row in rows)
            {
                var before = Snapshot(row);
                switch (action)
                {
                    case CodeAction.Delete:
                        var deleted = await db.RedeemCodes.Where(c => c.Id == row.Id && c.RedemptionCount == 0).ExecuteDeleteAsync(token);
                        if (deleted != 1)
                        {
                            refused.Add(new RefusedCode(row.Id, row.Code, CampaignErrors.CodeRedeemed));
                            continue;
                        }
                        await audit.AppendAsync(db, new AuditEntry(actor, "code.delete", CodeTarget(row.Code), Before: before, Ip: ip), token);
                        break;
                    case CodeAction.Disable when row.Status == CodeStatus.Active:
                        row.Disable(actor, now);
                        await audit.AppendAsync(db, new AuditEntry(actor, "code.disable", CodeTarget(row.Code), before, Snapshot(row), ip), token);
                        break;
                    case CodeAction.Enable when row.Status == CodeStatus.Disabled:
                        row.Enable();
                        await audit.AppendAsync(db, new AuditEntry(actor, "code.enable", CodeTarget(row.Code), before, Snapshot(row), ip), token);
                        break;
                    default:
                        unchanged.Add(row.Code);
                        continue;
                }
                changed.Add(row.Code);
            }
            await db.SaveChangesAsync(token);
            return Write.Commit(new BulkCodeOutcome(changed, unchanged, refused, ids.Count - rows.Count));
        }, ct, Attempts);
    }

    /// <summary>The campaign's name when it exists and takes codes.</summary>
    private static async Task<Result<string>> FindPromoAsync(AppDbContext db, Guid campaignId, CancellationToken ct)
    {
        var campaign = await db.Campaigns.Where(c => c.Id == campaignId).Select(c => new { c.Kind, c.Name }).FirstOrDefaultAsync(ct);
        if (campaign is null) return CampaignErrors.CampaignNotFound;
        if (campaign.Kind == CampaignKind.Starter) return CampaignErrors.CodesOnlyForPromo;
        return campaign.Name;
    }

    private static Error? Validate(string name, long amount, int claimLimit, DateTime? startsAt, DateTime? endsAt, CreditExpiryRule rule,
        DateTime? fixedDate, int? days, DateTime now, bool checkFixedDateInFuture)
    {
        if (string.IsNullOrWhiteSpace(name)) return CampaignErrors.NameRequired;
        if (name.Trim().Length > 200) return CampaignErrors.NameTooLong;
        if (amount <= 0) return LedgerErrors.InvalidAmount;
        if (claimLimit < 1) return CampaignErrors.InvalidClaimLimit;
        if (startsAt is { } s && endsAt is { } e && e <= s) return CampaignErrors.InvalidWindow;
        var expiryValid = rule switch
        {
            CreditExpiryRule.None => fixedDate is null && days is null,
            CreditExpiryRule.FixedDate => fixedDate is not null && (!checkFixedDateInFuture || fixedDate > now) && days is null,
            CreditExpiryRule.DaysAfterClaim => days >= 1 && fixedDate is null,
            _ => false,
        };
        return expiryValid ? null : CampaignErrors.InvalidExpiry;
    }

    private static string? Clean(string? notes) => string.IsNullOrWhiteSpace(notes) ? null : notes.Trim();

    public static string CampaignTarget(Guid campaignId) => $"campaign:{campaignId}";

    public static string CodeTarget(string code) => $"code:{code}";

    /// <summary>What the audit trail keeps of a campaign: every field an admin can set, enums as words.</summary>
    private static CampaignAudit Snapshot(Campaign c) => new(c.Name, c.Kind.ToString(), c.BucketKey, c.AmountPerClaim, c.ExpiryRule.ToString(),
        c.CreditExpiresOn, c.CreditExpiryDays, c.StartsAt, c.EndsAt, c.ClaimLimitPerAccount, c.Budget, c.Status.ToString(), c.Notes);

    /// <summary>What the audit trail keeps of a code, so a deleted code's event still names it and its campaign.</summary>
    private static CodeAudit Snapshot(RedeemCode c) => new(c.Code, c.CampaignId, c.BatchId, c.Status.ToString(), c.RedemptionCount, c.MaxRedemptions,
        c.CreatedBy, c.CreatedAt, c.DisabledBy, c.DisabledAt);

    private sealed record CampaignAudit(string Name, string Kind, string Bucket, long AmountPerClaim, string ExpiryRule, DateTime? CreditExpiresOn,
        int? CreditExpiryDays, DateTime? StartsAt, DateTime? EndsAt, int ClaimLimitPerAccount, long? Budget, string Status, string? Notes);

    private sealed record CodeAudit(string Code, Guid CampaignId, Guid? BatchId, string Status, int RedemptionCount, int MaxRedemptions,
        string CreatedBy, DateTime CreatedAt, string? DisabledBy, DateTime? DisabledAt);
}
