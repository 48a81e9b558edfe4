using System.Text.Json;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

public sealed class CampaignAdminTests
{
    private const string Admin = "admin@test.local";
    private const string Ip = "198.51.100.20";

    private static async Task<List<AuditEvent>> AuditAsync(TestDatabase db, string? action = null)
    {
        await using var ctx = db.NewContext();
        var events = ctx.AuditEvents.AsNoTracking();
        if (action is not null) events = events.Where(e => e.Action == action);
        return await events.OrderBy(e => e.Sequence).ToListAsync();
    }

    private static async Task<TestDatabase> DatabaseAsync(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        return await TestDatabase.CreateAsync(provider);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task GenerateCodesAsync_TenThousand_UniqueCanonicalStoredWithTheCampaign_AndTheCsvListsExactlyThem(TestProvider provider)
    {
        await using var db = await DatabaseAsync(provider);
        var campaign = await CreateAsync(db, Promo() with { Name = "=HYPERLINK(\"http://x\")" });
        var other = await CreateAsync(db, Promo() with { Name = "Other" });
        Ok(await db.Get<CampaignService>().GenerateCodesAsync(other.Id, 5, 1, Admin));

        var batch = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 10_000, 2, Admin, Ip));

        Assert.Equal(10_000, batch.Codes.Count);
        Assert.Equal(10_000, batch.Codes.Distinct().Count());
        Assert.All(batch.Codes, c => Assert.Matches("^TF-[ABCDEFGHJKMNPQRSTVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTVWXYZ2-9]{4}$", c));
        await using (var ctx = db.NewContext())
        {
            var stored = await ctx.RedeemCodes.Where(c => c.BatchId == batch.BatchId).ToListAsync();
            Assert.Equal(batch.Codes.Order(StringComparer.Ordinal), stored.Select(c => c.Code).Order(StringComparer.Ordinal));
            var now = db.Time.GetUtcNow().UtcDateTime;
            Assert.All(stored, c => Assert.Equal((campaign.Id, 2, 0, CodeStatus.Active, Admin, now, (DateTime?)null, (string?)null),
                (c.CampaignId, c.MaxRedemptions, c.RedemptionCount, c.Status, c.CreatedBy, c.CreatedAt, c.LastRedeemedAt, c.DisabledBy)));
            Assert.Equal(10_000, await ctx.RedeemCodes.CountAsync(c => c.CampaignId == campaign.Id && c.Status == CodeStatus.Active && c.CreatedAt == now));
            Assert.Equal(10_005, await ctx.RedeemCodes.CountAsync());
        }

        using var csvBytes = new MemoryStream();
        await CodeBatchCsv.WriteAsync(csvBytes, db.Get<CodeQueries>().StreamBatchAsync(batch.BatchId));
        var text = System.Text.Encoding.UTF8.GetString(csvBytes.ToArray());
        var rows = CsvReader.FromText(text).GetRecords<CodeBatchCsvRow>().ToList();
        Assert.Equal(batch.Codes.Order(StringComparer.Ordinal), rows.Select(r => r.Code).Order(StringComparer.Ordinal));
        // A campaign name that a spreadsheet would run as a formula is written as text.
        Assert.All(rows, r => Assert.Equal("'=HYPERLINK(\"http://x\")", r.Campaign));
        Assert.All(rows, r => Assert.Equal((2, batch.BatchId.ToString()), (r.MaxRedemptions, r.BatchId)));
        Assert.StartsWith("Code,Campaign,MaxRedemptions,CreatedAtUtc,BatchId\r\n", text);

        var generated = Assert.Single(await AuditAsync(db, "codes.generate"), e => e.Target == CampaignService.CampaignTarget(campaign.Id));
        Assert.Equal((Admin, Ip), (generated.Actor, generated.Ip));
        Assert.Contains(batch.BatchId.ToString(), generated.AfterJson);
        Assert.Contains("\"count\":10000", generated.AfterJson);
    }

    [Fact]
    public async Task DeleteCodeAsync_Unused_IsDeletedWithOneAuditEventKeepingTheCode()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 2, 1, Admin)).Codes;
        var before = (await AuditAsync(db)).Count;

        Assert.True(Ok(await db.Get<CampaignService>().DeleteCodeAsync(codes[0].ToLowerInvariant(), Admin, Ip)));

        await using var ctx = db.NewContext();
        Assert.Equal([codes[1]], await ctx.RedeemCodes.Select(c => c.Code).ToListAsync());
        var events = await AuditAsync(db);
        Assert.Equal(before + 1, events.Count);
        var deleted = events[^1];
        Assert.Equal(("code.delete", $"code:{codes[0]}", Admin, Ip), (deleted.Action, deleted.Target, deleted.Actor, deleted.Ip));
        using var json = JsonDocument.Parse(deleted.BeforeJson!);
        Assert.Equal(codes[0], json.RootElement.GetProperty("code").GetString());
        Assert.Equal(campaign.Id, json.RootElement.GetProperty("campaignId").GetGuid());
        Assert.Null(deleted.AfterJson);
        Assert.Equal("code_not_found", (await db.Get<CampaignService>().DeleteCodeAsync(codes[0], Admin, Ip)).Error?.Code);
    }

    [Fact]
    public async Task DeleteCodeAsync_Redeemed_IsRefusedWithAClearMessage_AndWritesNoAuditEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var before = (await AuditAsync(db)).Count;

        var result = await db.Get<CampaignService>().DeleteCodeAsync(code, Admin, Ip);

        Assert.Equal("code_redeemed", result.Error?.Code);
        Assert.Contains("can only be disabled", result.Error!.Message);
        await using var ctx = db.NewContext();
        Assert.True(await ctx.RedeemCodes.AnyAsync(c => c.Code == code));
        Assert.Equal(before, (await AuditAsync(db)).Count);
    }

    [Fact]
    public async Task DisableThenEnable_RedeemIsRefusedWhileDisabled_AndWorksAgain_EachWritingOneAuditEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db);
        var service = db.Get<CampaignService>();
        var user = await db.AddUserAsync();
        var before = (await AuditAsync(db)).Count;

        Assert.True(Ok(await service.DisableCodeAsync(code, Admin, Ip)));
        Assert.Equal("code_disabled", (await db.Get<ClaimService>().RedeemCodeAsync(user, code, null)).Error?.Code);
        Assert.True(Ok(await service.EnableCodeAsync(code, Admin, Ip)));
        var redeemed = Ok(await db.Get<ClaimService>().RedeemCodeAsync(user, code, null));

        Assert.Equal(code, redeemed.Code);
        var events = (await AuditAsync(db)).Skip(before).ToList();
        Assert.Equal(["code.disable", "code.enable"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(($"code:{code}", Admin, Ip), (e.Target, e.Actor, e.Ip)));
        Assert.Contains("\"status\":\"Active\"", events[0].BeforeJson);
        Assert.Contains("\"status\":\"Disabled\"", events[0].AfterJson);
        Assert.Contains("\"status\":\"Active\"", events[1].AfterJson);
        await using var ctx = db.NewContext();
        var row = await ctx.RedeemCodes.SingleAsync(c => c.Code == code);
        Assert.Equal((1, db.Time.GetUtcNow().UtcDateTime, (string?)null), (row.RedemptionCount, row.LastRedeemedAt, row.DisabledBy));
    }

    [Fact]
    public async Task DisableCodeAsync_AlreadyDisabled_ChangesNothingAndWritesNoEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (_, code) = await PromoCodeAsync(db);
        Ok(await db.Get<CampaignService>().DisableCodeAsync(code, Admin, Ip));
        var before = (await AuditAsync(db)).Count;

        Assert.True(Ok(await db.Get<CampaignService>().DisableCodeAsync(code, "someone-else", Ip)));

        Assert.Equal(before, (await AuditAsync(db)).Count);
        await using var ctx = db.NewContext();
        Assert.Equal(Admin, (await ctx.RedeemCodes.SingleAsync()).DisabledBy);
    }

    [Fact]
    public async Task DeleteCodesAsync_Bulk_DeletesTheUnused_AndReportsTheRedeemedAsRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 5, 1, Admin)).Codes;
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), codes[1], null));
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), codes[3], null));
        await using var ctx = db.NewContext();
        var ids = await ctx.RedeemCodes.Select(c => c.Id).ToListAsync();
        var before = (await AuditAsync(db)).Count;

        var outcome = await db.Get<CampaignService>().DeleteCodesAsync([.. ids, Guid.NewGuid()], Admin, Ip);

        Assert.Equal(new[] { codes[0], codes[2], codes[4] }.Order(), outcome.Changed.Order());
        Assert.Equal(new[] { codes[1], codes[3] }.Order(), outcome.Refused.Select(r => r.Code).Order());
        Assert.All(outcome.Refused, r => Assert.Equal("code_redeemed", r.Error.Code));
        Assert.Equal(1, outcome.NotFound);
        Assert.Equal(new[] { codes[1], codes[3] }.Order(), (await ctx.RedeemCodes.Select(c => c.Code).ToListAsync()).Order());
        var events = (await AuditAsync(db)).Skip(before).ToList();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal("code.delete", e.Action));
        Assert.Equal(outcome.Changed.Order(), events.Select(e => e.Target["code:".Length..]).Order());
        Assert.True((await db.Get<AuditVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task DisableCodesAsync_Bulk_DisablesEachWithItsOwnEvent_AndSkipsTheAlreadyDisabled()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var codes = Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 3, 1, Admin)).Codes;
        Ok(await db.Get<CampaignService>().DisableCodeAsync(codes[0], Admin));
        await using var ctx = db.NewContext();
        var ids = await ctx.RedeemCodes.Select(c => c.Id).ToListAsync();
        var before = (await AuditAsync(db)).Count;

        var outcome = await db.Get<CampaignService>().DisableCodesAsync(ids, Admin, Ip);

        Assert.Equal(new[] { codes[1], codes[2] }.Order(), outcome.Changed.Order());
        Assert.Equal([codes[0]], outcome.Unchanged);
        Assert.All(await ctx.RedeemCodes.ToListAsync(), c => Assert.Equal(CodeStatus.Disabled, c.Status));
        Assert.Equal(2, (await AuditAsync(db)).Skip(before).Count(e => e.Action == "code.disable"));
    }

    [Fact]
    public async Task CreateUpdateDisableEnable_EachWritesOneAuditEventWithBeforeAndAfter()
    {
        await using var db = await TestDatabase.CreateAsync();
        var service = db.Get<CampaignService>();

        var campaign = Ok(await service.CreateAsync(Promo(), Admin, Ip));
        Ok(await service.UpdateAsync(campaign.Id, CampaignEdit.From(campaign) with { Name = "Spring promo", AmountPerClaim = 20_000_000 }, Admin, Ip));
        Ok(await service.DisableCampaignAsync(campaign.Id, Admin, Ip));
        Ok(await service.EnableCampaignAsync(campaign.Id, Admin, Ip));

        var events = await AuditAsync(db);
        Assert.Equal(["campaign.create", "campaign.update", "campaign.disable", "campaign.enable"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(($"campaign:{campaign.Id}", Admin, Ip), (e.Target, e.Actor, e.Ip)));
        Assert.Null(events[0].BeforeJson);
        Assert.Contains("\"name\":\"Launch promo\"", events[1].BeforeJson);
        Assert.Contains("\"amountPerClaim\":10000000", events[1].BeforeJson);
        Assert.Contains("\"name\":\"Spring promo\"", events[1].AfterJson);
        Assert.Contains("\"amountPerClaim\":20000000", events[1].AfterJson);
        Assert.Contains("\"status\":\"Disabled\"", events[2].AfterJson);
        Assert.Contains("\"status\":\"Active\"", events[3].AfterJson);
        await using var ctx = db.NewContext();
        var stored = await ctx.Campaigns.SingleAsync();
        Assert.Equal(("Spring promo", 20_000_000L, CampaignStatus.Active), (stored.Name, stored.AmountPerClaim, stored.Status));
        Assert.True((await db.Get<AuditVerifier>().VerifyAsync()).Ok);
    }

    [Fact]
    public async Task UpdateAsync_AfterARedemption_MoneyRulesAreLocked_ButNameWindowAndNotesStillChange()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db);
        Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        var service = db.Get<CampaignService>();
        var edit = CampaignEdit.From(campaign);
        var before = (await AuditAsync(db)).Count;

        Assert.Equal("campaign_rules_locked", (await service.UpdateAsync(campaign.Id, edit with { AmountPerClaim = 1 }, Admin)).Error?.Code);
        Assert.Equal("campaign_rules_locked", (await service.UpdateAsync(campaign.Id, edit with { BucketKey = Bucket.Starter }, Admin)).Error?.Code);
        Assert.Equal("campaign_rules_locked", (await service.UpdateAsync(campaign.Id, edit with { ExpiryRule = CreditExpiryRule.DaysAfterClaim, CreditExpiryDays = 3 }, Admin)).Error?.Code);
        Assert.Equal("campaign_rules_locked", (await service.UpdateAsync(campaign.Id, edit with { ClaimLimitPerAccount = 2 }, Admin)).Error?.Code);
        Assert.Equal(before, (await AuditAsync(db)).Count);

        var endsAt = db.Time.GetUtcNow().UtcDateTime.AddDays(7);
        var updated = Ok(await service.UpdateAsync(campaign.Id, edit with { Name = "Renamed", Notes = "printed flyers", EndsAt = endsAt }, Admin));

        Assert.Equal(("Renamed", "printed flyers", endsAt, 10_000_000L), (updated.Name, updated.Notes, updated.EndsAt, updated.AmountPerClaim));
        Assert.Single(await AuditAsync(db, "campaign.update"));
    }

    [Fact]
    public async Task UpdateAsync_InvalidEdit_IsRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var campaign = await CreateAsync(db, Promo());
        var edit = CampaignEdit.From(campaign);
        var service = db.Get<CampaignService>();

        Assert.Equal("invalid_campaign", (await service.UpdateAsync(campaign.Id, edit with { Name = "" }, Admin)).Error?.Code);
        Assert.Equal("invalid_amount", (await service.UpdateAsync(campaign.Id, edit with { AmountPerClaim = 0 }, Admin)).Error?.Code);
        Assert.Equal("unknown_bucket", (await service.UpdateAsync(campaign.Id, edit with { BucketKey = "gold" }, Admin)).Error?.Code);
        Assert.Equal("invalid_expiry_rule", (await service.UpdateAsync(campaign.Id, edit with { ExpiryRule = CreditExpiryRule.FixedDate }, Admin)).Error?.Code);
        Assert.Equal("campaign_not_found", (await service.UpdateAsync(Guid.NewGuid(), edit, Admin)).Error?.Code);
        Assert.Empty(await AuditAsync(db, "campaign.update"));
    }

    [Fact]
    public async Task DisableCampaignAsync_ThenRedeem_IsCampaignDisabled()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await PromoCodeAsync(db);
        Ok(await db.Get<CampaignService>().DisableCampaignAsync(campaign.Id, Admin, Ip));

        Assert.Equal("campaign_disabled", (await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null)).Error?.Code);
    }

    [Fact]
    public async Task CampaignQueries_Grid_ShowsCountsFromTheLedger_FiltersAndSorts()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (promo, code) = await PromoCodeAsync(db, maxRedemptions: 5);
        Ok(await db.Get<CampaignService>().GenerateCodesAsync(promo.Id, 3, 1, Admin));
        var starter = await CreateAsync(db, Starter());
        foreach (var _ in Enumerable.Range(0, 2)) Ok(await db.Get<ClaimService>().RedeemCodeAsync(await db.AddUserAsync(), code, null));
        Ok(await db.Get<ClaimService>().ClaimStarterAsync(await db.AddUserAsync(), null));
        var queries = db.Get<CampaignQueries>();

        var all = await queries.SearchAsync(new CampaignFilter(), new Core.Common.PageRequest(SortBy: nameof(CampaignRow.Credited), Descending: true));
        var promos = await queries.SearchAsync(new CampaignFilter(Name: "launch"), new Core.Common.PageRequest());

        Assert.Equal(2, all.TotalCount);
        Assert.Equal([promo.Id, starter.Id], all.Items.Select(r => r.Id));
        Assert.Equal((4, 2, 20_000_000L, true), (all.Items[0].Codes, all.Items[0].Redemptions, all.Items[0].Credited, all.Items[0].RulesLocked));
        Assert.Equal((0, 1, 5_000_000L), (all.Items[1].Codes, all.Items[1].Redemptions, all.Items[1].Credited));
        Assert.Equal(promo.Id, Assert.Single(promos.Items).Id);
    }
}
