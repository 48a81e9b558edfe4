using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Ledger.LedgerTestKit;

namespace TokensForge.Tests.Gateway;

/// <summary>
/// The app as a real child process, killed with SIGKILL while requests are in flight and group commits are open.
/// Afterwards the database must hold everything that was answered and nothing half-done: every 200 has its receipt and
/// its charge, the ledger verifies, and once the restarted instance's clock passes the hold timeout its sweeps leave no
/// hold open and no key reservation counted.
/// </summary>
public sealed class KilledInstanceTests
{
    private const string Body = """{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Say hello in a few words."}]}""";
    private const long Funds = 50_000_000;

    [Fact]
    public async Task KillNineUnderLoad_EveryAnsweredRequestIsReceiptedAndCharged_SweepsLeaveNothingOpen()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tf-kill-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "app.db");
        try
        {
            // The database is made and funded in this process; the app that serves it is a child process.
            string userId, secret;
            await using (var setup = await TestDatabase.CreateAsync(sqliteFile: file))
            {
                userId = await setup.AddUserAsync();
                await GrantAsync(setup, userId, Bucket.Routed, Funds);
                secret = (await setup.Get<ApiKeyService>().CreateAsync(userId, "load", new ApiKeyPolicy(SpendLimit: Funds))).Value!.Secret;
            }

            var port = FreePort();
            using var app = StartApp(port, new Dictionary<string, string> { ["Database__Provider"] = "Sqlite", ["ConnectionStrings__Default"] = $"Data Source={file}" });
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            await WaitUntilUpAsync(client, app);

            var answered = new ConcurrentBag<(Guid Receipt, long Cost)>();
            var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 32).Select(async _ =>
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await client.PostAsync("v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"), stop.Token);
                        await response.Content.ReadAsStringAsync(stop.Token);
                        if (response.StatusCode == HttpStatusCode.OK)
                            answered.Add((Guid.Parse(response.Headers.GetValues("x-tokensforge-receipt").Single()), long.Parse(response.Headers.GetValues("x-tokensforge-cost").Single())));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                    {
                        // The instance is gone: requests in flight get no answer, which is the point.
                        if (app.HasExited) return;
                    }
                }
            }).ToList();

            // Let the load run until plenty has been answered, then kill the instance mid-flight.
            var clock = Stopwatch.StartNew();
            while (answered.Count < 200 && clock.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(20);
            app.Kill();
            await app.WaitForExitAsync();
            await stop.CancelAsync();
            await Task.WhenAll(load);
            Assert.True(answered.Count >= 200, $"only {answered.Count} requests were answered before the kill");

            // The restarted instance: the same file, its clock past every hold's timeout.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var later = new FakeTimeProvider(DateTimeOffset.UtcNow + new GatewayOptions().HoldTimeout + TimeSpan.FromMinutes(1));
            await using var restarted = await TestDatabase.CreateAsync(sqliteFile: file, time: later);
            await using (var db = restarted.NewContext())
            {
                var ids = answered.Select(a => a.Receipt).ToList();
                var receipts = await db.RequestRecords.Include(r => r.Charges).Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id);
                foreach (var (receipt, cost) in answered)
                {
                    Assert.True(receipts.TryGetValue(receipt, out var record), $"receipt {receipt} was answered but not kept");
                    Assert.Equal(RequestStatus.Succeeded, record.Status);
                    Assert.Equal(cost, record.Cost);
                    Assert.Equal(cost, record.Charges.Sum(c => c.Amount));
                }
            }

            await restarted.Get<HoldSweeper>().RunOnceAsync();
            await restarted.Get<ApiKeySpendSweeper>().RunOnceAsync();
            await using (var db = restarted.NewContext())
            {
                var open = await db.Transfers.Where(t => t.Flags == TransferFlags.Pending && !db.Transfers.Any(r => r.PendingId == t.Id)).CountAsync();
                Assert.Equal(0, open);
                Assert.Empty(await db.ApiKeyReservations.ToListAsync());
                var key = await db.ApiKeys.SingleAsync(k => k.UserId == userId);
                var charged = await db.RequestRecords.Where(r => r.UserId == userId).SumAsync(r => r.Cost);
                Assert.Equal(0, key.SpendReserved);
                Assert.Equal(charged, key.Spent);
                var wallet = await restarted.Get<WalletQueries>().GetBucketsAsync(userId);
                Assert.Equal(Funds - charged, wallet.Sum(b => b.Available));
            }
            var verification = await restarted.Get<LedgerVerifier>().VerifyAsync();
            Assert.True(verification.Ok, string.Join("\n", verification.Discrepancies));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The app as a child process on <paramref name="port"/>, the simulator on; <paramref name="environment"/> names the database and any other setting.</summary>
    internal static Process StartApp(int port, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TokensForge.Web.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        info.Environment["Admin__Email"] = "";
        info.Environment["Demo__Seed"] = "false";
        info.Environment["Simulator__Enabled"] = "true";
        // Long enough that at any moment many requests hold money and wait on the upstream.
        info.Environment["Simulator__LatencyMs"] = "20";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the app");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task WaitUntilUpAsync(HttpClient client, Process app)
    {
        for (var i = 0; i < 600; i++)
        {
            if (app.HasExited) throw new InvalidOperationException($"the app exited with {app.ExitCode} while starting");
            try
            {
                if ((await client.GetAsync("v1/models")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("the app did not come up");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
