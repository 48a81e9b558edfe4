using CsvHelper;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Exports;
using TokensForge.Core.Receipts;
using ReceiptCsvRow = TokensForge.Core.Exports.ReceiptRow;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Receipts.ReceiptTestData;

namespace TokensForge.Tests.Exports;

/// <summary>A user's own CSV files: only their rows, the finance columns, formulas neutralised.</summary>
public sealed class OwnExportsTests
{
    private static async Task<string> CsvAsync(TestDatabase db, OwnDataset dataset, string userId, ExportRange range)
    {
        using var stream = new MemoryStream();
        await db.Get<OwnExports>().WriteAsync(dataset, userId, range, stream);
        return new System.Text.UTF8Encoding(false).GetString(stream.ToArray()).TrimStart('\uFEFF');
    }

    [Fact]
    public async Task TwoUsers_EachGetsOnlyTheirOwnReceiptsAndLedgerRows()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (alice, _) = await FundedUserAsync(db);
        var (bob, _) = await FundedUserAsync(db);
        var aliceReceipts = new[] { await WriteAsync(db, alice, RequestStatus.Succeeded, 120), await WriteAsync(db, alice, RequestStatus.Failed, 0) };
        var bobReceipt = await WriteAsync(db, bob, RequestStatus.Succeeded, 999);
        var today = DateOnly.FromDateTime(db.Time.GetUtcNow().UtcDateTime);
        var range = ExportRange.Days(today, today);

        var receipts = CsvReader.FromText(await CsvAsync(db, OwnDataset.Receipts, alice, range)).GetRecords<ReceiptCsvRow>().ToList();
        var ledger = CsvReader.FromText(await CsvAsync(db, OwnDataset.Ledger, alice, range)).GetRecords<LedgerTransferRow>().ToList();
        var bobs = CsvReader.FromText(await CsvAsync(db, OwnDataset.Receipts, bob, range)).GetRecords<ReceiptCsvRow>().ToList();

        Assert.Equal(aliceReceipts.Order(), receipts.Select(r => r.Id).Order());
        Assert.All(receipts, r => Assert.Equal(alice, r.UserId));
        Assert.Equal(bobReceipt, Assert.Single(bobs).Id);
        // Her adjustment grant, her two holds, the post and the void: every row touches one of her accounts, none only Bob's.
        Assert.NotEmpty(ledger);
        Assert.All(ledger, t => Assert.True(t.DebitUserId == alice || t.CreditUserId == alice, $"{t.DebitAccount} → {t.CreditAccount}"));
        Assert.Equal(5, ledger.Count);
        Assert.Contains(ledger, t => t.Code == "adjust");

        var yesterday = today.AddDays(-1);
        Assert.Empty(CsvReader.FromText(await CsvAsync(db, OwnDataset.Receipts, alice, ExportRange.Days(yesterday, yesterday))).GetRecords<ReceiptCsvRow>());
    }

    [Fact]
    public async Task AFormulaInAKeyName_IsNeutralised()
    {
        await using var db = await TestDatabase.CreateAsync();
        var (user, _) = await FundedUserAsync(db);
        var key = (await db.Get<ApiKeyService>().CreateAsync(user, "=HYPERLINK(\"x\")", new ApiKeyPolicy())).Value!.Key;
        await WriteAsync(db, user, RequestStatus.Succeeded, 120, keyId: key.Id);
        var today = DateOnly.FromDateTime(db.Time.GetUtcNow().UtcDateTime);

        var csv = await CsvAsync(db, OwnDataset.Receipts, user, ExportRange.Days(today, today));

        Assert.Contains("'=HYPERLINK", csv);
        Assert.DoesNotContain(",=HYPERLINK", csv);
    }
}
