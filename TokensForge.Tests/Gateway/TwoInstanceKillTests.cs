using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// Two app instances as child processes on one PostgreSQL database, spends through both, starter claims and redeem-code
/// redemptions racing on the same database meanwhile (two service providers, each with its own pools: the product takes
/// claims on its wallet page, not over an API), and one instance killed with SIGKILL mid-load. Nothing is restarted: the
/// survivor's own sweeps, with a short hold timeout, must expire what the dead instance left. Afterwards the ledger
/// verifies, no account is overdrawn, every 200 has its receipt and charge, each account has one starter claim and the
/// code was redeemed exactly its limit.
/// </summary>
public sealed class TwoInstanceKillTests
{
    private const string Body = """{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Say hello in a few words."}]}""";
    private const int Spenders = 6;
    private const long SpenderFunds = 4_000;
    private const int Claimers = 30;
    private const int CodeLimit = 7;
    private static readonly TimeSpan HoldTimeout = TimeSpan.FromSeconds(15);

    [SkippableFact]
    public async Task TwoInstancesOnOnePostgres_OneKilledMidLoad_SurvivorsSweepsLeaveABalancedLedger_NoOverdraft_OneClaimEach()
    {
        Skip.If(TestDatabase.PostgresServer is null, "TF_PG is not set");
        // The test's own services keep the real time: the child processes' holds and the claims live on the same clock.
        await using var setup = await TestDatabase.CreateAsync(TestProvider.Postgres, time: new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var other = await setup.AttachAsync();

        // The simulator's routes with timeouts short enough for a 15-second hold timeout (the start-up checks that).
        await setup.Get<SimulatorRoutes>().EnsureAsync();
        await using (var db = setup.NewContext())
            await db.Routes.ExecuteUpdateAsync(s => s.SetProperty(r => r.TotalTimeoutSeconds, 10).SetProperty(r => r.TimeoutSeconds, 5).SetProperty(r => r.ConnectTimeoutSeconds, 5));
        var secrets = new List<string>();
        for (var i = 0; i < Spenders; i++)
        {
            var userId = await setup.AddUserAsync();
            await GrantAsync(setup, userId, Bucket.Routed, SpenderFunds);
            secrets.Add((await setup.Get<ApiKeyService>().CreateAsync(userId, "load", new ApiKeyPolicy())).Value!.Secret);
        }
        var starter = await CreateAsync(setup, Starter(amount: 1_000_000));
        var (promo, code) = await PromoCodeAsync(setup, Promo(amount: 1_000_000), maxRedemptions: CodeLimit);
        var claimers = new List<string>();
        for (var i = 0; i < Claimers; i++) claimers.Add(await setup.AddUserAsync());

        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Default"] = setup.ConnectionString,
            ["Gateway__HoldTimeout"] = HoldTimeout.ToString(),
            ["Ledger__SweepInterval"] = "00:00:01",
        };
        var ports = new[] { KilledInstanceTests.FreePort(), KilledInstanceTests.FreePort() };
        using var victim = KilledInstanceTests.StartApp(ports[0], environment);
        using var survivor = KilledInstanceTests.StartApp(ports[1], environment);
        try
        {
            var clients = ports.Select(p => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 })
                { BaseAddress = new Uri($"http://127.0.0.1:{p}/"), Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { Authorization = new("Bearer", secrets[0]) } })
                .ToArray();
            await KilledInstanceTests.WaitUntilUpAsync(clients[0], victim);
            await KilledInstanceTests.WaitUntilUpAsync(clients[1], survivor);

            var answered = new ConcurrentBag<(Guid Receipt, long Cost)>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 24).Select(async worker =>
            {
                var (client, app) = worker % 2 == 0 ? (clients[0], victim) : (clients[1], survivor);
                var secret = secrets[worker % Spenders];
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                        using var response = await client.SendAsync(request, stop.Token);
                        await response.Content.ReadAsStringAsync(stop.Token);
                        if (response.StatusCode == HttpStatusCode.OK)
                            answered.Add((Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()), long.Parse(response.Headers.GetValues("x-tokensforge-cost").Single())));
                        else if (response.StatusCode == HttpStatusCode.PaymentRequired) await Task.Delay(50, stop.Token);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                    {
                        if (app.HasExited) return;
                    }
                }
            }).ToList();
            // Each claimer claims the starter credit twice and redeems the code twice, through both providers at once.
            var claims = claimers.SelectMany(userId => new[] { setup, other, setup, other }.Select((services, i) => Task.Run(async () =>
            {
                var claim = services.Get<ClaimService>();
                return i < 2 ? await claim.ClaimStarterAsync(userId, null) : await claim.RedeemCodeAsync(userId, code, null);
            }))).ToList();

            var clock = Stopwatch.StartNew();
            while (answered.Count < 60 && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            victim.Kill();
            await victim.WaitForExitAsync();
            var killedAt = DateTime.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await stop.CancelAsync();
            await Task.WhenAll(load);
            await Task.WhenAll(claims);
            Assert.True(answered.Count >= 60, $"only {answered.Count} requests were answered before the kill");

            // The survivor sweeps once a second; the dead instance's holds become due one hold timeout after they were placed.
            await using var db2 = setup.NewContext();
            var deadline = killedAt + HoldTimeout + TimeSpan.FromSeconds(30);
            while (await OpenHoldsAsync(db2) > 0 && DateTime.UtcNow < deadline) await Task.Delay(500);
            Assert.Equal(0, await OpenHoldsAsync(db2));
            Assert.False(survivor.HasExited);

            var ids = answered.Select(a => a.Receipt).ToList();
            var receipts = await db2.RequestRecords.AsNoTracking().Include(r => r.Charges).Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id);
            foreach (var (receipt, cost) in answered)
            {
                Assert.True(receipts.TryGetValue(receipt, out var record), $"receipt {receipt} was answered but not kept");
                Assert.Equal((RequestStatus.Succeeded, cost), (record.Status, record.Cost));
                Assert.Equal(cost, record.Charges.Sum(c => c.Amount));
            }
            var overdrawn = await db2.LedgerAccounts.AsNoTracking()
                .Where(a => a.DebitsMustNotExceedCredits && a.DebitsPosted + a.DebitsPending > a.CreditsPosted).CountAsync();
            Assert.Equal(0, overdrawn);
            Assert.Empty(await db2.ApiKeyReservations.ToListAsync());

            var starterClaims = await db2.Redemptions.Where(r => r.CampaignId == starter.Id).GroupBy(r => r.UserId).Select(g => g.Count()).ToListAsync();
            Assert.Equal(Claimers, starterClaims.Count);
            Assert.All(starterClaims, count => Assert.Equal(1, count));
            Assert.Equal(CodeLimit, await db2.Redemptions.CountAsync(r => r.CampaignId == promo.Id));
            Assert.Equal(CodeLimit, await db2.Redemptions.Where(r => r.CampaignId == promo.Id).Select(r => r.UserId).Distinct().CountAsync());

            var verification = await setup.Get<LedgerVerifier>().VerifyAsync();
            Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));

            // Two days on, the load's day is final: its rollups, built on PostgreSQL, equal the receipts.
            setup.Time.Advance(TimeSpan.FromDays(2));
            var (days, _) = await setup.Get<DailyRollups>().RebuildAsync(null);
            var rollups = await setup.Get<DailyRollups>().VerifyAsync(null);
            Assert.True(days >= 1 && rollups.Rows > 0 && rollups.Ok, string.Join("\n", rollups.Differences));
            Assert.Equal(await db2.RequestRecords.CountAsync(), await db2.DailyRollups.SumAsync(r => r.Requests));
        }
        finally
        {
            foreach (var app in new[] { victim, survivor }.Where(p => !p.HasExited))
            {
                app.Kill();
                await app.WaitForExitAsync();
            }
        }
    }

    private static Task<int> OpenHoldsAsync(Core.Data.AppDbContext db) =>
        db.Transfers.Where(t => t.Flags == TransferFlags.Pending && !db.Transfers.Any(r => r.PendingId == t.Id)).CountAsync();
}
