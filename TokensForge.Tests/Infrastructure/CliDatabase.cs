using TokensForge.Web.Cli;

namespace TokensForge.Tests.Infrastructure;

/// <summary>The ops CLI run in-process against its own temporary SQLite file, as `dotnet run -- …` would.</summary>
public sealed class CliDatabase : IDisposable
{
    public CliDatabase()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Settings = new()
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Default"] = $"Data Source={DatabasePath}",
            ["Admin:Email"] = "",
            // The test process runs in the Production environment; its throwaway databases accept an unprotected key ring.
            ["DataProtection:AllowUnprotectedKeys"] = "true",
        };
    }

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "tf-cli-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(Directory, "cli.db");

    /// <summary>The configuration the CLI runs with; tests may add to it.</summary>
    public Dictionary<string, string?> Settings { get; }

    /// <summary>Runs one command; returns its exit code and its trimmed output.</summary>
    public async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await OpsCli.RunAsync(args, output, Settings);
        return (exit, output.ToString().Trim());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
