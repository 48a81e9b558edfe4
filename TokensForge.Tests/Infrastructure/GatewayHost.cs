using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OpenAI;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;
using TokensForge.Web.Seeding;

namespace TokensForge.Tests.Infrastructure;

/// <summary>
/// The whole app on a real port with the simulator on: the gateway calls the simulator over HTTP exactly as it
/// would call a real upstream. Helpers create users, fund wallets through the ledger and issue keys.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly string? _pgDatabase;

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private GatewayHost(TokensForgeApp app, string baseUrl, IReadOnlyDictionary<string, string?> settings, string? pgDatabase = null)
    {
        App = app;
        BaseUrl = baseUrl;
        _settings = settings;
        _pgDatabase = pgDatabase;
    }

    public TokensForgeApp App { get; }
    public string BaseUrl { get; }

    public static GatewayHost Start(IDictionary<string, string?>? settings = null, FakeTimeProvider? time = null, LogCapture? logs = null)
    {
        var all = new Dictionary<string, string?> { ["Simulator:Enabled"] = "true" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var app = new TokensForgeApp(all, time, logs);
        var baseUrl = app.StartKestrel();
        return new GatewayHost(app, baseUrl, all);
    }

    /// <summary>The app on a fresh PostgreSQL database of the <c>TF_PG</c> server (callers skip when it is null).</summary>
    public static async Task<GatewayHost> StartOnPostgresAsync(IDictionary<string, string?>? settings = null)
    {
        var server = TestDatabase.PostgresServer ?? throw new InvalidOperationException("TF_PG is not set.");
        var database = "tf_gw_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var all = new Dictionary<string, string?>
        {
            ["Simulator:Enabled"] = "true",
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Default"] = new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = 250 }.ToString(),
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v;
        var app = new TokensForgeApp(all);
        return new GatewayHost(app, app.StartKestrel(), all, database);
    }

    /// <summary>
    /// A second instance of the app on this host's database (PostgreSQL, or the same SQLite file), as a load balancer would run
    /// it; the database is left to this host to drop, so dispose the other instance first.
    /// </summary>
    public GatewayHost StartAnotherInstance()
    {
        var settings = new Dictionary<string, string?>(_settings);
        if (_pgDatabase is null) settings["ConnectionStrings:Default"] = $"Data Source={Path.Combine(App.DatabaseDirectory, "app.db")}";
        var app = new TokensForgeApp(settings);
        return new GatewayHost(app, app.StartKestrel(), _settings);
    }

    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public AppDbContext NewContext() => Get<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>A new user (email unique per call) with the given grants, in µ, per bucket.</summary>
    public async Task<(string UserId, string Email)> AddUserAsync(params (string Bucket, long Amount)[] grants)
    {
        var email = $"user-{Guid.NewGuid():N}@test.local";
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().CreateAsync(email, "User-pass-1");
            Assert.True(created.Succeeded, created.Error?.ToString());
        }
        foreach (var (bucket, amount) in grants) await GrantAsync(email, bucket, amount);
        await using var db = NewContext();
        var id = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        return (id, email);
    }

    public async Task GrantAsync(string email, string bucket, long amount)
    {
        var granted = await Get<AdjustmentService>().GrantAsync(new AdjustmentRequest(email, bucket, amount, null, "test", "test"));
        Assert.True(granted.Succeeded, granted.Error?.ToString());
    }

    public async Task<CreatedApiKey> CreateKeyAsync(string userId, ApiKeyPolicy? policy = null, string name = "test key")
    {
        var created = await Get<ApiKeyService>().CreateAsync(userId, name, policy ?? new ApiKeyPolicy());
        Assert.True(created.Succeeded, created.Error?.ToString());
        return created.Value!;
    }

    public HttpClient Client(string? secret)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(2) };
        if (secret is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>The official OpenAI SDK pointed at this gateway, without retries so every status is seen as it is.</summary>
    public OpenAIClient Sdk(string secret) => new(new ApiKeyCredential(secret), new OpenAIClientOptions
    {
        Endpoint = new Uri(BaseUrl + "/v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromMinutes(2),
    });

    /// <summary>The official Anthropic SDK pointed at this gateway (key sent as <c>x-api-key</c>), without retries so every status is seen as it is.</summary>
    public Anthropic.AnthropicClient AnthropicSdk(string secret) => new()
    {
        ApiKey = secret,
        BaseUrl = BaseUrl,
        MaxRetries = 0,
        Timeout = TimeSpan.FromMinutes(2),
    };

    public async Task<LedgerVerification> VerifyLedgerAsync() => await Get<LedgerVerifier>().VerifyAsync();

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        if (_pgDatabase is not null && TestDatabase.PostgresServer is { } server)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgDatabase} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
