using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

/// <summary>
/// The ops CLI, run as an operator runs it (its own process, Production environment), refuses an unprotected key ring
/// as the web host does: one line, exit 2, the database untouched; accepting the risk explicitly lets it run.
/// </summary>
public sealed class KeyRingCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tf-keyring-cli-tests", Guid.NewGuid().ToString("N"));

    public KeyRingCliTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task Cli_InProduction_WithAnUnprotectedRing_RefusedInOneLine_DatabaseUntouched()
    {
        var run = await HostProcess.RunAsync(_directory, "Production", new Dictionary<string, string>(), "ledger", "verify");

        Assert.Equal(2, run.Exit);
        var line = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("startup_refused: DataProtection: the key ring that encrypts upstream keys and sign-in cookies would be stored unencrypted", line);
        Assert.Contains("DataProtection:AllowUnprotectedKeys=true", line);
        Assert.DoesNotContain(" at ", run.Output + run.Errors);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Cli_InProduction_WithTheRiskAccepted_Runs()
    {
        var run = await HostProcess.RunAsync(_directory, "Production", new Dictionary<string, string> { ["DataProtection__AllowUnprotectedKeys"] = "true" },
            "ledger", "verify");

        Assert.True(run.Exit == 0, run.Output + run.Errors);
        Assert.Contains(run.Output.Split('\n', StringSplitOptions.TrimEntries), line => line.StartsWith("ledger ok:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cli_InProduction_WithTheRingOutsideTheDatabase_Runs()
    {
        var run = await HostProcess.RunAsync(_directory, "Production",
            new Dictionary<string, string> { ["DataProtection__KeysDirectory"] = Path.Combine(_directory, "keys") }, "ledger", "verify");

        Assert.True(run.Exit == 0, run.Output + run.Errors);
        Assert.Contains(run.Output.Split('\n', StringSplitOptions.TrimEntries), line => line.StartsWith("ledger ok:", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
