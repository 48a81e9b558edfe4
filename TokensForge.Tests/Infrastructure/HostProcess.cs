using System.Diagnostics;
using System.Text;

namespace TokensForge.Tests.Infrastructure;

/// <summary>
/// The real executable in its own process, as an operator starts it: for what only a process shows — its exit code and
/// exactly what it prints when it refuses to start.
/// </summary>
public static class HostProcess
{
    /// <summary>How a run ended: its exit code (null when it started serving and was stopped), stdout and stderr.</summary>
    public sealed record Run(int? Exit, string Output, string Errors)
    {
        /// <summary>The non-empty lines of stderr.</summary>
        public string[] ErrorLines => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// Runs the app on a fresh SQLite file in <paramref name="directory"/> with the given environment variables (and
    /// command-line <paramref name="args"/>, such as an ops command) until it exits or (then stopped) logs that it is running.
    /// </summary>
    public static async Task<Run> RunAsync(string directory, string environmentName, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "TokensForge.Web.dll"), .. args])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__Default"] = $"Data Source={Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db")}";
        start.Environment["Admin__Password"] = "Admin-pass-1";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains("Tokens Forge is running")) started.TrySetResult();
        };
        process.BeginOutputReadLine();
        var errors = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(exited, started.Task, Task.Delay(TimeSpan.FromSeconds(90)));
        if (first != exited)
        {
            process.Kill(entireProcessTree: true);
            await exited;
            if (first != started.Task) throw new TimeoutException("the host neither started nor exited within 90 s");
            return new Run(null, Text(output), await errors);
        }
        await exited;
        return new Run(process.ExitCode, Text(output), await errors);
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }
}
