using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

public sealed class BackupCommandsTests : IDisposable
{
    private readonly CliDatabase _cli = new();

    private string File(string name) => Path.Combine(_cli.Directory, name);

    [Fact]
    public async Task BackupThenRestore_BringsBackTheBackedUpLedger_AndVerifiesIt()
    {
        await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1");
        await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "routed", "--amount", "12.50");

        var backup = await _cli.RunAsync("backup", "--out", File("tf.bak"));
        await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "routed", "--amount", "5");
        var afterBackup = await _cli.RunAsync("ledger", "verify");
        var restored = await _cli.RunAsync("restore", "--from", File("tf.bak"), "--replace");
        var afterRestore = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(0, backup.Exit);
        Assert.StartsWith($"backup written: {File("tf.bak")}", backup.Output);
        Assert.Contains("integrity ok", backup.Output);
        Assert.Equal("ledger ok: 8 accounts, 2 transfers", afterBackup.Output);
        Assert.Equal(0, restored.Exit);
        Assert.Contains("ledger ok: 7 accounts, 1 transfers", restored.Output);
        Assert.Contains("audit ok:", restored.Output);
        Assert.Equal("ledger ok: 7 accounts, 1 transfers", afterRestore.Output);
    }

    [Fact]
    public async Task Restore_OverAnExistingDatabase_WithoutReplace_IsRefused_AndChangesNothing()
    {
        await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1");
        await _cli.RunAsync("backup", "--out", File("tf.bak"));
        await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "routed", "--amount", "5");

        var (exit, output) = await _cli.RunAsync("restore", "--from", File("tf.bak"));
        var verified = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(2, exit);
        Assert.StartsWith("database_exists:", output);
        Assert.Contains("1 transfers", verified.Output);
    }

    [Fact]
    public async Task Backup_ToAnExistingFile_OrRestoreFromNothing_PrintsOneLineAndExits2()
    {
        await _cli.RunAsync("ledger", "verify");
        await System.IO.File.WriteAllTextAsync(File("taken.bak"), "x");

        var overwrite = await _cli.RunAsync("backup", "--out", File("taken.bak"));
        var missing = await _cli.RunAsync("restore", "--from", File("nothing.bak"), "--replace");
        var damaged = await _cli.RunAsync("restore", "--from", File("taken.bak"), "--replace");

        Assert.Equal((2, "file_exists:"), (overwrite.Exit, overwrite.Output[..12]));
        Assert.Equal((2, "file_not_found:"), (missing.Exit, missing.Output[..15]));
        Assert.Equal((2, "not_a_backup:"), (damaged.Exit, damaged.Output[..13]));
        Assert.DoesNotContain('\n', damaged.Output);
        Assert.Equal("x", await System.IO.File.ReadAllTextAsync(File("taken.bak")));
    }

    [Fact]
    public async Task Backup_OnPostgres_PointsToPgDump()
    {
        _cli.Settings["Database:Provider"] = "Postgres";
        _cli.Settings["ConnectionStrings:Default"] = "Host=127.0.0.1;Port=1;Database=none";

        var (exit, output) = await _cli.RunAsync("backup", "--out", File("pg.bak"));

        Assert.Equal(2, exit);
        Assert.StartsWith("postgres_backup:", output);
        Assert.Contains("pg_dump", output);
    }

    public void Dispose() => _cli.Dispose();
}
