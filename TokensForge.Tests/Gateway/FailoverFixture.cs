using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Gateway;

/// <summary>One route of a failover test: a fake upstream behind a route of its own, priced.</summary>
public sealed record FakeRoute(Guid Id, string Name, FakeUpstream Upstream, Prices Prices);

/// <summary>How a test wants one of its routes.</summary>
public sealed record FakeRouteSpec(
    FakeMode Mode,
    RouteKind Kind = RouteKind.Routed,
    long Input = 1_000_000,
    long Output = 2_000_000,
    string? UpstreamKey = null,
    string? BaseUrl = null,
    int FirstByteTimeoutSeconds = 5);

/// <summary>
/// The app on a real port with a fake clock (timeouts and circuit cool-downs happen when a test advances it), a
/// circuit that opens after two consecutive failures, and every log line captured. Each test makes its own model
/// served only by its own routes to fake upstreams on 127.0.0.1, so tests do not see each other's routes.
/// </summary>
public sealed class FailoverFixture : IAsyncLifetime
{
    public const int ConsecutiveFailures = 2;
    public static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(30);
    public const long Funds = 5_000_000;
    public const int MaxTokens = 50;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public LogCapture Logs { get; } = new();
    public GatewayHost Host { get; private set; } = null!;
    public static readonly AdminActor Admin = new(TokensForgeApp.AdminEmail, "127.0.0.1");

    public Task InitializeAsync()
    {
        Host = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["Routing:CircuitBreaker:ConsecutiveFailures"] = ConsecutiveFailures.ToString(),
            ["Routing:CircuitBreaker:CoolDown"] = CoolDown.ToString(),
            ["Routing:CircuitBreaker:MinimumRequests"] = "1000",
        }, Time, Logs);
        return Task.CompletedTask;
    }

    /// <summary>A fresh chat model served by one route per spec, in priority order, each to a fake upstream started in the given mode.</summary>
    public Task<(string Model, FakeRoute[] Routes)> RoutesAsync(params FakeRouteSpec[] specs) => RoutesAsync(Host, specs);

    /// <summary><see cref="RoutesAsync(FakeRouteSpec[])"/> on any running app.</summary>
    public static async Task<(string Model, FakeRoute[] Routes)> RoutesAsync(GatewayHost host, params FakeRouteSpec[] specs)
    {
        var admin = host.Get<RouteAdministration>();
        var model = "fo-" + Guid.NewGuid().ToString("N")[..10];
        var saved = await admin.SaveModelAsync(new ModelDraft(model, "Failover test model", ModelKind.Chat, 128_000), create: true, Admin);
        Assert.True(saved.Succeeded, saved.Error?.ToString());
        var routes = new List<FakeRoute>();
        for (var i = 0; i < specs.Length; i++)
        {
            var spec = specs[i];
            var upstream = await FakeUpstream.StartAsync(spec.Mode);
            var name = $"{model}-r{i + 1}";
            var created = await admin.CreateRouteAsync(new RouteDraft(name, spec.Kind, spec.BaseUrl ?? upstream.BaseUrl, Priority: 10 * (i + 1), Weight: 1,
                ConnectTimeoutSeconds: 5, spec.FirstByteTimeoutSeconds, TotalTimeoutSeconds: 120, Enabled: true, [new ModelMapping(model, $"upstream-{name}")],
                spec.UpstreamKey), Admin);
            Assert.True(created.Succeeded, created.Error?.ToString());
            var priced = await admin.SetPricesAsync(new PriceDraft(created.Value, model, spec.Input, spec.Output, spec.Input / 2), Admin);
            Assert.True(priced.Succeeded, priced.Error?.ToString());
            var p = priced.Value!;
            routes.Add(new FakeRoute(created.Value, name, upstream, new Prices(p.Id, p.InputPrice, p.OutputPrice, p.CachedInputPrice)));
        }
        return (model, routes.ToArray());
    }

    /// <summary>A user with routed and official balance and a key for them.</summary>
    public async Task<(HttpClient Client, string UserId)> ClientAsync()
    {
        var (userId, _) = await Host.AddUserAsync(("routed", Funds), ("official", Funds));
        var key = await Host.CreateKeyAsync(userId);
        var client = Host.Client(key.Secret);
        return (client, userId);
    }

    public static HttpRequestMessage Chat(string model, bool stream, string content = "hello there") => new(HttpMethod.Post, "v1/chat/completions")
    {
        Content = new StringContent(
            $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"max_tokens":{{MaxTokens}},"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"{{content}}"}]}""",
            Encoding.UTF8, "application/json"),
    };

    /// <summary>Sends a chat request and reads the whole answer (streamed or not).</summary>
    public static async Task<(HttpResponseMessage Response, string Body, Guid? Receipt)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException)
        {
            body = "";
        }
        var receipt = response.Headers.TryGetValues("x-tokensforge-receipt", out var values) ? Guid.Parse(values.Single()) : (Guid?)null;
        return (response, body, receipt);
    }

    public async Task<RequestRecord> ReceiptAsync(Guid id)
    {
        await using var db = Host.NewContext();
        var record = await db.RequestRecords.AsNoTracking().Include(r => r.Charges).Include(r => r.Attempts).SingleAsync(r => r.Id == id);
        return record;
    }

    public static IReadOnlyList<RequestAttempt> Attempts(RequestRecord record) => record.Attempts.OrderBy(a => a.Position).ToList();

    public async Task<List<Transfer>> TransfersOfAsync(Guid receiptId)
    {
        await using var db = Host.NewContext();
        var reference = receiptId.ToString();
        return await db.Transfers.AsNoTracking().Where(t => t.Reference == reference).ToListAsync();
    }

    public async Task<long> AvailableAsync(string userId)
    {
        await using var db = Host.NewContext();
        return await db.CreditGrants.Where(g => g.UserId == userId).SumAsync(g => g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending);
    }

    /// <summary>Whatever the tests did, the ledger must still balance.</summary>
    public async Task DisposeAsync()
    {
        try
        {
            var verification = await Host.VerifyLedgerAsync();
            Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
        }
        finally
        {
            await Host.DisposeAsync();
        }
    }
}
