
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

public sealed class OpsCliTests : IDisposable
{
    private readonly CliDatabase _cli = new();



    [Fact]
    public async Task UsersAddThenGrantsAdd_MovesMoneyThroughTheLedger_AndVerifyIsOk()
    {
        var added = await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1", "--role", "Finance");
        var granted = await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "routed", "--amount", "12.50",
            "--expires", "2099-01-01T00:00:00Z", "--memo", "goodwill");
        var verified = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(0, added.Exit);
        Assert.Contains("ops@test.local (User, Finance)", added.Output);
        Assert.Equal(0, granted.Exit);
        Assert.Contains("granted ¥12.50 to ops@test.local in routed", granted.Output);
        Assert.Contains("expires 2099-01-01T00:00:00Z", granted.Output);
        Assert.Equal(0, verified.Exit);
        // Six system accounts and the new grant's account; one adjustment transfer.
        Assert.Equal("ledger ok: 7 accounts, 1 transfers", verified.Output);
    }

    [Theory]
    [InlineData("nobody@test.local", "routed", "1.00", "user_not_found:")]
    [InlineData("ops@test.local", "gold", "1.00", "unknown_bucket:")]
    [InlineData("ops@test.local", "routed", "1.0000001", "invalid_amount:")]
    [InlineData("ops@test.local", "routed", "-3", "invalid_amount:")]
    public async Task GrantsAdd_BadInput_PrintsOneLineAndExits2(string email, string bucket, string amount, string expected)
    {
        await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1");

        var (exit, output) = await _cli.RunAsync("grants", "add", "--email", email, "--bucket", bucket, "--amount", amount);
        var verified = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, output);
        Assert.DoesNotContain('\n', output);
        Assert.Contains("0 transfers", verified.Output);
    }

    [Fact]
    public async Task UnknownCommandOrMissingOption_Exits2()
    {
        Assert.Equal(2, (await _cli.RunAsync("grants", "remove")).Exit);
        var missing = await _cli.RunAsync("users", "add", "--email", "x@test.local");
        Assert.Equal(2, missing.Exit);
        Assert.Equal("missing_option: --password is required.", missing.Output);
    }

    [Fact]
    public async Task LedgerVerify_TamperedCounter_Exits1AndNamesTheAccount()
    {
        await _cli.RunAsync("users", "add", "--email", "ops@test.local", "--password", "Ops-pass-1");
        await _cli.RunAsync("grants", "add", "--email", "ops@test.local", "--bucket", "starter", "--amount", "3");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_cli.DatabasePath}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "UPDATE ledger_accounts SET \"CreditsPosted\" = \"CreditsPosted\" + 1 WHERE \"Address\" = 'sys:breakage'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var (exit, output) = await _cli.RunAsync("ledger", "verify");

        Assert.Equal(1, exit);
        Assert.Contains("account sys:breakage: counters", output);
        Assert.Contains("posted balances sum to 1 µ, not zero", output);
    }

    [Fact]
    public async Task AuditVerify_AfterAuditedCommands_IsOk_AndTamperingExits1()
    {
        await _cli.RunAsync("users", "add", "--email", "fin@test.local", "--password", "Fin-pass-1", "--role", "Finance");
        await _cli.RunAsync("grants", "add", "--email", "fin@test.local", "--bucket", "official", "--amount", "2");

        var ok = await _cli.RunAsync("audit", "verify");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_cli.DatabasePath}"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET \"AfterJson\" = replace(\"AfterJson\", '2000000', '9000000');";
            await command.ExecuteNonQueryAsync();
        }
        var broken = await _cli.RunAsync("audit", "verify");

        Assert.Equal((0, "audit ok: 2 events"), ok);
        Assert.Equal(1, broken.Exit);
        Assert.StartsWith("audit broken at event 2:", broken.Output);
    }

    public void Dispose() => _cli.Dispose();
}
