using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace TokensForge.Tests.Infrastructure;

/// <summary>
/// The real app over real HTTP on a fresh SQLite file. <see cref="StartKestrel"/> gives a 127.0.0.1 port for
/// browsers and SDKs; otherwise the in-memory test server is used.
/// </summary>
public sealed class TokensForgeApp : WebApplicationFactory<Program>
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tf-app-tests", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string?> _settings;

    public TokensForgeApp(IDictionary<string, string?>? settings = null, FakeTimeProvider? time = null, LogCapture? logs = null)
    {
        Directory.CreateDirectory(_directory);
        Time = time;
        Logs = logs;
        _settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(_directory, "app.db")}",
            ["Admin:Email"] = AdminEmail,
            ["Admin:Password"] = AdminPassword,
            ["Demo:Seed"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Admin-pass-1";

    public FakeTimeProvider? Time { get; }

    /// <summary>When given, receives every log message of the host at every level.</summary>
    public LogCapture? Logs { get; }

    public string DatabaseDirectory => _directory;

    /// <summary>Serves on a real 127.0.0.1 port and returns its base address (no trailing slash).</summary>
    public string StartKestrel()
    {
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        StartServer();
        return ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Outside Development the static web assets manifest (blazor.web.js, MudBlazor) is only read when asked for.
        builder.UseStaticWebAssets();
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (Logs is not null) builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureServices(services =>
        {
            if (Time is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Time);
            }
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();
}
