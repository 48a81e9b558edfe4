using System.Text;
using CsvHelper;
using TokensForge.Core.Exports;

using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

public sealed class ExportCliTests : IDisposable
{
    private readonly CliDatabase _cli = new();



    [Fact]
    public async Task ExportLedger_WritesTheSameCsvAsTheFinancePage()
    {
        await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1");
        await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "routed", "--amount", "12.50");
        var file = Path.Combine(_cli.Directory, "ledger.csv");
        var (from, to) = (DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd"), DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd"));

        var exported = await _cli.RunAsync("export", "ledger", "--from", from, "--to", to, "--out", file);

        Assert.Equal(0, exported.Exit);
        Assert.StartsWith($"exported 1 rows of ledger", exported.Output);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        using var reader = CsvReader.Create(new MemoryStream(bytes));
        var row = Assert.Single(reader.GetRecords<LedgerTransferRow>().ToList());
        Assert.Equal((12_500_000L, 12.5m, "adjust"), (row.AmountMicros, row.AmountYuan, row.Code));
    }

    [Fact]
    public async Task ExportReconciliation_EmptyDatabase_HasSystemAccountsAndOkTotal()
    {
        var file = Path.Combine(_cli.Directory, "recon.csv");

        var exported = await _cli.RunAsync("export", "reconciliation", "--from", "2026-01-01", "--to", "2026-01-31", "--out", file);

        Assert.Equal(0, exported.Exit);
        using var reader = CsvReader.Create(File.OpenRead(file));
        var rows = reader.GetRecords<ReconciliationRow>().ToList();
        Assert.Equal("total", rows[^1].Scope);
        Assert.All(rows, r => Assert.Equal("ok", r.Check));
        Assert.Contains(rows, r => r.Account == "sys:payments:clearing");
    }

    [Theory]
    [InlineData("unknown_dataset", "export", "nothing", "--from", "2026-01-01", "--to", "2026-01-02", "--out", "x.csv")]
    [InlineData("missing_dataset", "export")]
    [InlineData("invalid_range", "export", "ledger", "--from", "2026-02-01", "--to", "2026-01-01", "--out", "x.csv")]
    [InlineData("missing_option", "export", "ledger", "--from", "2026-01-01", "--to", "2026-01-02")]
    public async Task Export_BadInput_PrintsCodeAndExits2(string code, params string[] args)
    {
        var (exit, output) = await _cli.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.StartsWith(code + ":", output);
    }

    public void Dispose() => _cli.Dispose();
}
