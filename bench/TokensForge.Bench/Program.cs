using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokensForge.Bench;

/// <summary>
/// Measures what the gateway adds to an upstream call. In one run: a fake OpenAI-compatible upstream is called
/// directly, then the same requests go through Tokens Forge's /v1 (key check, token count, hold, upstream call,
/// settlement, receipt) against that upstream. Reports latency at one connection and throughput at saturation, as
/// ratios to the direct baseline, and the memory a 1,000,000-row ledger export adds over an empty export.
/// Results go to bench/RESULTS.md.
/// </summary>
public static partial class Program
{
    private const string ChatBody = """{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Say hello to the benchmark in a few words."}]}""";

    private const string StreamBody = """{"model":"gpt-4o-mini","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Say hello to the benchmark in a few words."}]}""";

    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--explain")) return await ExplainAsync(args);
        var options = BenchOptions.Parse(args);
        var repo = RepositoryRoot();
        var webDll = Path.Combine(repo, "TokensForge.Web", "bin", BuildConfiguration, "net10.0", "TokensForge.Web.dll");
        if (!File.Exists(webDll))
        {
            Console.Error.WriteLine($"bench: {webDll} is missing; run with `dotnet run -c {BuildConfiguration} --project bench/TokensForge.Bench`.");
            return 2;
        }
        var work = Directory.CreateTempSubdirectory("tf-bench-");
        Console.WriteLine($"bench: working in {work.FullName}");

        await using var upstream = await FakeUpstream.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // A throwaway database holding no upstream key worth protecting.
            ["DataProtection__AllowUnprotectedKeys"] = "true",
            ["Database__Provider"] = "Sqlite",
            ["ConnectionStrings__Default"] = $"Data Source={Path.Combine(work.FullName, "bench.db")}",
            ["Admin__Email"] = "",
            ["Simulator__Enabled"] = "true",
            // The seeded simulator routes point at the fake upstream instead of the app's own /sim/v1.
            ["Simulator__BaseUrl"] = upstream.BaseAddress,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Gateway__MaxRequestBodyBytes"] = "1048576",
        };

        var direct = new Target("direct upstream", upstream.BaseAddress + "/sim/v1/chat/completions", null);
        Console.WriteLine("bench: direct upstream");
        await LatencyAsync(direct, options.Warmup);
        var directLatency = await LatencyAsync(direct, options.Requests);
        var directThroughput = await ThroughputAsync(direct, options.Connections, TimeSpan.FromSeconds(options.Seconds));
        var directStreams = options.Streams > 0 ? await StreamsAsync(direct, options.Streams) : null;

        // The same requests through a proxy that only forwards: what any .NET gateway on this box could reach.
        Console.WriteLine("bench: passthrough proxy");
        await using var proxy = await PassthroughProxy.StartAsync(direct.Url);
        var passthrough = new Target("passthrough proxy (no ledger)", proxy.BaseAddress + "/v1/chat/completions", null);
        await WarmUpAsync(passthrough, options);
        var passthroughLatency = await LatencyAsync(passthrough, options.Requests);
        var passthroughThroughput = new List<(int, Throughput, int)>();
        foreach (var c in options.ConnectionCounts) passthroughThroughput.Add((c, await ThroughputAsync(passthrough, c, TimeSpan.FromSeconds(options.Seconds)), -1));
        var passthroughRun = new GatewayRun(passthrough.Name, passthroughLatency, passthroughThroughput, PeakRssKb: 0, Verify: "");

        // Each variant of the gateway on a fresh database of its own, one after the other, in this one run.
        var variants = new (string Name, Dictionary<string, string> Settings)[]
        {
            ("group commit, synchronous=NORMAL (default)", new() { ["Database__GroupCommit"] = "true", ["Database__SqliteSynchronous"] = "Normal" }),
            ("group commit, synchronous=FULL", new() { ["Database__GroupCommit"] = "true", ["Database__SqliteSynchronous"] = "Full" }),
            ("one transaction per write, synchronous=NORMAL", new() { ["Database__GroupCommit"] = "false", ["Database__SqliteSynchronous"] = "Normal" }),
            // ASP.NET Core's usual server GC beside the product's workstation GC, so the choice is checked in every run.
            ("group commit, server GC", new() { ["Database__GroupCommit"] = "true", ["Database__SqliteSynchronous"] = "Normal", ["DOTNET_gcServer"] = "1" }),
        };
        if (options.Postgres is { } server)
        {
            // A fresh, empty database on the given server (the app migrates it), same settings as the default.
            var database = $"tf_bench_{Guid.NewGuid():N}";
            await using (var admin = new Npgsql.NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            variants = [.. variants, ("group commit, PostgreSQL", new()
            {
                ["Database__Provider"] = "Postgres",
                ["ConnectionStrings__Default"] = new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = database }.ToString(),
            })];
        }
        if (options.Variant is { } only) variants = variants.Where(v => v.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToArray();
        if (options.Profile is not null || options.Serve) variants = variants[..1];
        // Every variant is started and warmed up first, then measured in turns: for each connection count all variants
        // in a row, the order rotated by one each time. Measured one after the other, the first gateway variant read
        // low in every run, whatever its settings; rotating spreads whatever favours a place in the run over all of them.
        var gateways = new List<Gateway>();
        try
        {
            foreach (var (name, settings) in variants)
            {
                var variantEnv = new Dictionary<string, string>(env) { ["ConnectionStrings__Default"] = $"Data Source={Path.Combine(work.FullName, $"bench-{gateways.Count}.db")}" };
                foreach (var (k, v) in settings) variantEnv[k] = v;
                Console.WriteLine($"bench: gateway, {name}: starting and warming up");
                gateways.Add(await StartGatewayAsync(name, webDll, variantEnv, options));
            }
            if (options.Serve) await ServeAsync(gateways[0]);
            if (options.Profile is { } traceDir) await ProfileAsync(gateways[0], traceDir, options);
            foreach (var (g, _) in InTurn(gateways, 0))
            {
                Console.WriteLine($"bench: gateway, {g.Name}: latency at c=1");
                g.Latency = await LatencyAsync(g.Target, options.Requests);
            }
            for (var round = 0; round < options.ConnectionCounts.Count; round++)
            {
                var connections = options.ConnectionCounts[round];
                foreach (var (g, place) in InTurn(gateways, round))
                {
                    Console.WriteLine($"bench: gateway, {g.Name}: c={connections} ({Ordinal(place)})");
                    g.Throughput.Add((connections, await ThroughputAsync(g.Target, connections, TimeSpan.FromSeconds(options.Seconds)), place));
                    g.PeakRssKb = Math.Max(g.PeakRssKb, PeakRssKb(g.App.Id));
                }
            }
            // The streams run once, on the default settings: they measure the relay, not the commit mode.
            if (options.Streams > 0)
            {
                var first = gateways[0];
                Console.WriteLine($"bench: gateway, {first.Name}: {options.Streams} streams");
                first.Streams = await StreamsAsync(first.Target, options.Streams);
                first.PeakRssKb = Math.Max(first.PeakRssKb, PeakRssKb(first.App.Id));
            }
        }
        finally
        {
            foreach (var g in gateways) g.App.Kill(entireProcessTree: true);
        }
        var results = new List<GatewayRun>();
        foreach (var g in gateways)
        {
            await g.App.WaitForExitAsync();
            g.App.Dispose();
            var verify = await RunCliAsync(webDll, g.Env, "ledger", "verify");
            results.Add(new GatewayRun(g.Name, g.Latency!, g.Throughput, g.PeakRssKb, verify.Trim(), g.IdleRssKb, g.Streams));
        }

        ExportMemory? export = null;
        if (options.ExportRows > 0)
        {
            Console.WriteLine($"bench: export memory, {options.ExportRows:N0} ledger rows");
            export = await ExportMemoryAsync(webDll, env, work.FullName, options.ExportRows);
        }

        var report = Report(options, directLatency, directThroughput, passthroughRun, results, export, directStreams);
        // A profiled run is slowed by the sampler: its figures stay beside the traces, not in RESULTS.md.
        var resultsPath = options.Profile is { } traces ? Path.Combine(traces, "RESULTS.md") : Path.Combine(repo, "bench", "RESULTS.md");
        await File.WriteAllTextAsync(resultsPath, report);
        Console.WriteLine(report);
        Console.WriteLine($"bench: wrote {resultsPath}");
        try { work.Delete(recursive: true); } catch (IOException) { }
        return 0;
    }

    private sealed record Target(string Name, string Url, string? Key);

    /// <param name="Throughput">Per connection count, the result and the variant's place in that round (0: first).</param>
    private sealed record GatewayRun(string Name, Latency Latency, IReadOnlyList<(int Connections, Throughput Result, int Place)> Throughput, long PeakRssKb,
        string Verify, long IdleRssKb = 0, StreamRun? Streams = null);

    /// <summary>A gateway variant while the run measures it: its process, its key, and what was measured so far.</summary>
    private sealed class Gateway(string name, Dictionary<string, string> env, Process app, Target target, long idleRssKb)
    {
        public string Name => name;
        public Dictionary<string, string> Env => env;
        public Process App => app;
        public Target Target => target;
        public long IdleRssKb => idleRssKb;
        public Latency? Latency { get; set; }
        public List<(int Connections, Throughput Result, int Place)> Throughput { get; } = [];
        public long PeakRssKb { get; set; }
        public StreamRun? Streams { get; set; }
    }

    /// <summary>The gateways in round <paramref name="round"/>'s order (rotated by one per round), each with its place.</summary>
    private static IEnumerable<(Gateway Gateway, int Place)> InTurn(List<Gateway> gateways, int round) =>
        Enumerable.Range(0, gateways.Count).Select(place => (gateways[(place + round) % gateways.Count], place));

    private static string Ordinal(int place) => (place + 1) switch { 1 => "1st", 2 => "2nd", 3 => "3rd", var n => $"{n}th" };

    /// <summary>One gateway variant on a fresh database with a funded user and key, started, its idle RSS read, and warmed up.</summary>
    private static async Task<Gateway> StartGatewayAsync(string name, string webDll, Dictionary<string, string> env, BenchOptions options)
    {
        await RunCliAsync(webDll, env, "users", "add", "--email", "bench@tokensforge.local", "--password", "Bench-pass-1");
        await RunCliAsync(webDll, env, "grants", "add", "--email", "bench@tokensforge.local", "--bucket", "routed", "--amount", "100000");
        var keyOutput = await RunCliAsync(webDll, env, "keys", "create", "--email", "bench@tokensforge.local", "--name", "bench", "--preference", "routed");
        var key = keyOutput.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("tf-", StringComparison.Ordinal));
        var appPort = FreePort();
        var app = StartApp(webDll, env, appPort);
        var appBase = $"http://127.0.0.1:{appPort}";
        await WaitUntilUpAsync(appBase + "/v1/models", key);
        // Resident memory once started and answering, before any load.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = RssKb(app.Id, "VmRSS:");
        var gateway = new Gateway(name, env, app, new Target(name, appBase + "/v1/chat/completions", key), idle);
        await WarmUpAsync(gateway.Target, options);
        return gateway;
    }

    /// <summary>For outside load generators and profilers (wrk, perf, dotnet-counters): the set-up without the measuring.</summary>
    private static async Task ServeAsync(Gateway gateway)
    {
        Console.WriteLine($"bench: serving pid {gateway.App.Id} at {gateway.Target.Url} with key {gateway.Target.Key}; body: {ChatBody}");
        Console.WriteLine("bench: press Enter to stop");
        await Task.Run(Console.ReadLine);
        gateway.App.Kill(entireProcessTree: true);
        Environment.Exit(0);
    }

    /// <summary>Where the time goes, sampled by dotnet-trace while one connection and then 64 keep the gateway busy.</summary>
    private static async Task ProfileAsync(Gateway gateway, string traces, BenchOptions options)
    {
        await TraceAsync(gateway.App.Id, Path.Combine(traces, "c1.nettrace"), () => ThroughputAsync(gateway.Target, 1, TimeSpan.FromSeconds(options.Seconds)));
        await TraceAsync(gateway.App.Id, Path.Combine(traces, "c64.nettrace"), () => ThroughputAsync(gateway.Target, 64, TimeSpan.FromSeconds(options.Seconds)));
    }

    /// <summary>Samples the app's thread stacks with the repository's dotnet-trace tool while <paramref name="load"/> runs.</summary>
    private static async Task TraceAsync(int pid, string output, Func<Task<Throughput>> load)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "tool", "run", "dotnet-trace", "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "-o", output })
            info.ArgumentList.Add(a);
        using var trace = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet-trace");
        var traceOutput = trace.StandardOutput.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var result = await load();
        // dotnet-trace stops on Ctrl+C / SIGINT; `dotnet tool run` does not pass the signal on, so its child gets it too.
        using (var children = Process.Start("pkill", ["-INT", "-P", trace.Id.ToString(CultureInfo.InvariantCulture)])) await children.WaitForExitAsync();
        _ = Process.Start("kill", ["-INT", trace.Id.ToString(CultureInfo.InvariantCulture)]);
        await trace.WaitForExitAsync();
        Console.WriteLine($"bench: traced {result.PerSecond:0} req/s into {output}");
        _ = await traceOutput;
    }

    private sealed record Latency(int Count, int Failures, double P50, double P99, double Mean);

    private sealed record Throughput(int Completed, int Failures, double Seconds)
    {
        public double PerSecond => Completed / Seconds;
    }

    private sealed record ExportMemory(long Rows, long BaselineKb, long ExportKb, long FileBytes, double Seconds);

    private static HttpClient Client(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    }) { Timeout = TimeSpan.FromSeconds(60) };

    private static HttpRequestMessage Request(Target target)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(ChatBody, Encoding.UTF8, "application/json") };
        if (target.Key is not null) request.Headers.Authorization = new("Bearer", target.Key);
        return request;
    }

    /// <summary>Over how long the concurrent streams start: about one stream's length.</summary>
    private static readonly TimeSpan StreamRamp = TimeSpan.FromSeconds(2);

    private sealed record StreamRun(int Streams, int Completed, double TtftP50, double TtftP99, double DurationP50, double DurationP99);

    /// <summary>
    /// <paramref name="count"/> streamed completions open together, each read to its end: how many finish with
    /// <c>[DONE]</c>, the time to the first content chunk and the time to the end. They start evenly over <see cref="StreamRamp"/>.
    /// </summary>
    private static async Task<StreamRun> StreamsAsync(Target target, int count)
    {
        using var client = Client(count);
        var ttft = new List<double>(count);
        var durations = new List<double>(count);
        var completed = 0;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        var streams = Enumerable.Range(0, count).Select(async i =>
        {
            await start.Task;
            // Started evenly over one stream's length, so that all of them are open together once the first ends: a
            // steady thousand, not a thousand holds in one burst.
            var due = StreamRamp * i / count;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var started = Stopwatch.GetTimestamp();
            double? first = null;
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new StringContent(StreamBody, Encoding.UTF8, "application/json") };
                if (target.Key is not null) request.Headers.Authorization = new("Bearer", target.Key);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                if (response.StatusCode != HttpStatusCode.OK) return;
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (first is null && line.Contains("\"content\"", StringComparison.Ordinal)) first = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (line == "data: [DONE]")
                    {
                        lock (durations)
                        {
                            completed++;
                            durations.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                            if (first is { } f) ttft.Add(f);
                        }
                        return;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Counted as not completed.
            }
        }).ToList();
        clock.Restart();
        start.SetResult();
        await Task.WhenAll(streams);
        ttft.Sort();
        durations.Sort();
        return ttft.Count == 0
            ? new StreamRun(count, completed, double.NaN, double.NaN, double.NaN, double.NaN)
            : new StreamRun(count, completed, Percentile(ttft, 0.5), Percentile(ttft, 0.99), Percentile(durations, 0.5), Percentile(durations, 0.99));
    }

    /// <summary>
    /// Sequential requests, then <see cref="BenchOptions.WarmupSeconds"/> under the largest connection count: the JIT's
    /// later tiers need that long to settle (in the first seconds after a short warm-up it took a third of the process's
    /// CPU), and a gateway serves for days, so the figures are of the settled process.
    /// </summary>
    private static async Task WarmUpAsync(Target target, BenchOptions options)
    {
        await LatencyAsync(target, options.Warmup);
        if (options.WarmupSeconds > 0) await ThroughputAsync(target, options.Connections, TimeSpan.FromSeconds(options.WarmupSeconds));
    }

    private static async Task<Latency> LatencyAsync(Target target, int count)
    {
        using var client = Client(1);
        var samples = new List<double>(count);
        var failures = 0;
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(Request(target));
            await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode == HttpStatusCode.OK) samples.Add(elapsed);
            else failures++;
        }
        samples.Sort();
        return samples.Count == 0
            ? new Latency(0, failures, double.NaN, double.NaN, double.NaN)
            : new Latency(samples.Count, failures, Percentile(samples, 0.50), Percentile(samples, 0.99), samples.Average());
    }

    private static async Task<Throughput> ThroughputAsync(Target target, int connections, TimeSpan duration)
    {
        using var client = Client(connections);
        var completed = 0;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                using var response = await client.SendAsync(Request(target));
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref completed);
                else Interlocked.Increment(ref failures);
            }
        });
        await Task.WhenAll(workers);
        return new Throughput(completed, failures, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Peak RSS of `export ledger` over N rows against the same command on an empty dataset (the baseline).</summary>
    private static async Task<ExportMemory> ExportMemoryAsync(string webDll, Dictionary<string, string> env, string work, long rows)
    {
        var exportEnv = new Dictionary<string, string>(env) { ["ConnectionStrings__Default"] = $"Data Source={Path.Combine(work, "export.db")}" };
        await RunCliAsync(webDll, exportEnv, "ledger", "verify");
        // Rows straight into the table (the counters are not the point here): one statement, a recursive CTE.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(work, "export.db")}"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TRIGGER IF EXISTS transfers_no_update; DROP TRIGGER IF EXISTS transfers_no_delete;";
            await drop.ExecuteNonQueryAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandTimeout = 600;
            insert.CommandText = $"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
                INSERT INTO transfers ("Id", "TxId", "DebitAccountId", "CreditAccountId", "Amount", "Code", "Flags", "Reference", "Memo", "CreatedAt")
                SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-7' || substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
                       lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-7' || substr(hex(randomblob(2)), 2) || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
                       '00000000-0000-0000-0000-000000000006', '00000000-0000-0000-0000-000000000001', 1000 + i, 'Adjust', 0,
                       'bench-' || i, 'benchmark row ' || i, strftime('%Y-%m-%d %H:%M:%S', '2026-06-01', '+' || (i % 2500000) || ' seconds')
                FROM n;
                """;
            await insert.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var baselineOut = Path.Combine(work, "topups.csv");
        var exportOut = Path.Combine(work, "ledger.csv");
        var (_, baseline, _) = await MeasureAsync(webDll, exportEnv, "export", "topups", "--from", "2026-06-01", "--to", "2026-07-31", "--out", baselineOut);
        var (_, peak, seconds) = await MeasureAsync(webDll, exportEnv, "export", "ledger", "--from", "2026-06-01", "--to", "2026-07-31", "--out", exportOut);
        return new ExportMemory(rows, baseline, peak, new FileInfo(exportOut).Length, seconds);
    }

    private static async Task<(string Output, long PeakKb, double Seconds)> MeasureAsync(string webDll, Dictionary<string, string> env, params string[] args)
    {
        using var process = Start(webDll, env, args);
        var peak = 0L;
        var clock = Stopwatch.StartNew();
        var output = process.StandardOutput.ReadToEndAsync();
        while (!process.HasExited)
        {
            peak = Math.Max(peak, PeakRssKb(process.Id));
            await Task.Delay(20);
        }
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed: {await output}");
        return (await output, peak, clock.Elapsed.TotalSeconds);
    }

    /// <summary>VmHWM: the process's peak resident set so far, read while it runs.</summary>
    private static long PeakRssKb(int pid) => RssKb(pid, "VmHWM:");

    /// <summary>A resident-set line of /proc/PID/status (VmRSS: now, VmHWM: peak) in KB.</summary>
    private static long RssKb(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(Digits().Match(line).Value, CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

    private static string Report(BenchOptions o, Latency dl, Throughput dt, GatewayRun proxy, IReadOnlyList<GatewayRun> runs, ExportMemory? export, StreamRun? ds)
    {
        string Ms(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        string X(double v) => v.ToString(v < 0.1 ? "0.0000" : "0.00", CultureInfo.InvariantCulture) + "×";
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmark results");
        sb.AppendLine();
        sb.AppendLine($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, .NET {Environment.Version}, SQLite (WAL), Release build; " +
            $"load average before the run {LoadAverage()}.");
        sb.AppendLine("Written by `dotnet run -c Release --project bench/TokensForge.Bench`; the baseline is a fake OpenAI-compatible upstream");
        sb.AppendLine("called directly, measured in the same run; each gateway row is the same request through `/v1`, fully ledgered (key check,");
        sb.AppendLine("o200k token count, hold, upstream call, settlement and receipt, all committed before the answer), on a fresh database.");
        sb.AppendLine();
        sb.AppendLine($"## Latency at 1 connection ({o.Requests} requests each, after {o.Warmup} warm-up requests and {o.WarmupSeconds} s under load)");
        sb.AppendLine();
        sb.AppendLine("| | p50 ms | p99 ms | mean ms | added p50 | added p99 | failures |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine($"| direct upstream (baseline) | {Ms(dl.P50)} | {Ms(dl.P99)} | {Ms(dl.Mean)} | | | {dl.Failures} |");
        sb.AppendLine($"| {proxy.Name} | {Ms(proxy.Latency.P50)} | {Ms(proxy.Latency.P99)} | {Ms(proxy.Latency.Mean)} | +{Ms(proxy.Latency.P50 - dl.P50)} | +{Ms(proxy.Latency.P99 - dl.P99)} | {proxy.Latency.Failures} |");
        foreach (var r in runs)
            sb.AppendLine($"| {r.Name} | {Ms(r.Latency.P50)} | {Ms(r.Latency.P99)} | {Ms(r.Latency.Mean)} | +{Ms(r.Latency.P50 - dl.P50)} | +{Ms(r.Latency.P99 - dl.P99)} | {r.Latency.Failures} |");
        sb.AppendLine();
        sb.AppendLine($"## Throughput ({o.Seconds} s per connection count)");
        sb.AppendLine();
        sb.AppendLine("| | " + string.Join(" | ", o.ConnectionCounts.Select(c => $"c={c} req/s")) + " | failures | idle RSS MB | peak RSS MB |");
        sb.AppendLine("|---|" + string.Concat(o.ConnectionCounts.Select(_ => "---:|")) + "---:|---:|---:|");
        sb.AppendLine($"| direct upstream (baseline, c={o.Connections}) | " + string.Join(" | ", o.ConnectionCounts.Select(c => c == o.Connections ? $"{dt.PerSecond:0}" : "")) + $" | {dt.Failures} | | |");
        foreach (var r in runs.Prepend(proxy))
            sb.AppendLine($"| {r.Name} | " + string.Join(" | ", r.Throughput.Select(t => $"{t.Result.PerSecond:0}" + (t.Place >= 0 ? $" ({Ordinal(t.Place)})" : "")))
                + $" | {r.Throughput.Sum(t => t.Result.Failures)} | " +
                $"{(r.IdleRssKb > 0 ? $"{r.IdleRssKb / 1024.0:0}" : "")} | {(r.PeakRssKb > 0 ? $"{r.PeakRssKb / 1024.0:0}" : "")} |");
        var baseline = runs.FirstOrDefault(r => r.Name.StartsWith("one transaction", StringComparison.Ordinal)) ?? runs[^1];
        sb.AppendLine();
        sb.AppendLine("All gateway variants run side by side, started and warmed up first; at each connection count they are measured one after");
        sb.AppendLine("another, the order rotated by one per count. In brackets: a variant's place in that count's round.");
        sb.AppendLine();
        sb.AppendLine($"Ratios to \"{baseline.Name}\" (same run): " + string.Join("; ", runs.Where(r => r != baseline).Select(r =>
            $"{r.Name}: " + string.Join(", ", r.Throughput.Zip(baseline.Throughput, (a, b) => $"c={a.Connections} {X(a.Result.PerSecond / b.Result.PerSecond)}")))) + ".");
        sb.AppendLine("Each gateway ÷ the passthrough proxy (same run): " + string.Join("; ", runs.Select(r =>
            $"{r.Name}: " + string.Join(", ", r.Throughput.Zip(proxy.Throughput, (a, b) => $"c={a.Connections} {X(a.Result.PerSecond / b.Result.PerSecond)}")))) + ".");
        sb.AppendLine($"Each gateway ÷ direct upstream at c={o.Connections}: " + string.Join("; ", runs.Select(r =>
            $"{r.Name} {X(r.Throughput.FirstOrDefault(t => t.Connections == o.Connections).Result is { } t ? t.PerSecond / dt.PerSecond : double.NaN)}")) + ".");
        sb.AppendLine();
        foreach (var r in runs) sb.AppendLine($"After \"{r.Name}\": `{r.Verify}`.");
        if (ds is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"## {ds.Streams:N0} concurrent streams ({FakeUpstream.StreamChunks} chunks over about 2 s each, started evenly over 2 s, so about {ds.Streams:N0} are open at once)");
            sb.AppendLine();
            sb.AppendLine("| | completed | first token p50 ms | first token p99 ms | added first token p50 | whole stream p50 ms | whole stream p99 ms |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            sb.AppendLine($"| direct upstream (baseline) | {ds.Completed}/{ds.Streams} | {Ms(ds.TtftP50)} | {Ms(ds.TtftP99)} | | {Ms(ds.DurationP50)} | {Ms(ds.DurationP99)} |");
            foreach (var r in runs.Where(r => r.Streams is not null))
                sb.AppendLine($"| {r.Name} | {r.Streams!.Completed}/{r.Streams.Streams} | {Ms(r.Streams.TtftP50)} | {Ms(r.Streams.TtftP99)} | +{Ms(r.Streams.TtftP50 - ds.TtftP50)} | " +
                    $"{Ms(r.Streams.DurationP50)} | {Ms(r.Streams.DurationP99)} |");
        }
        if (export is not null)
        {
            sb.AppendLine();
            sb.AppendLine($"## Memory of a streamed export ({export.Rows:N0} ledger rows)");
            sb.AppendLine();
            sb.AppendLine("Peak resident memory of the CLI's `export ledger` over the rows, against `export topups` on the same database");
            sb.AppendLine("(zero rows: the process's own baseline), both measured in this run.");
            sb.AppendLine();
            sb.AppendLine("| | peak RSS MB |");
            sb.AppendLine("|---|---:|");
            sb.AppendLine($"| empty export (baseline) | {export.BaselineKb / 1024.0:0.0} |");
            sb.AppendLine($"| {export.Rows:N0}-row export ({export.FileBytes / 1024.0 / 1024.0:0} MB of CSV in {export.Seconds:0.0} s) | {export.ExportKb / 1024.0:0.0} |");
            sb.AppendLine($"| growth | +{(export.ExportKb - export.BaselineKb) / 1024.0:0.0} MB ({X(export.ExportKb / (double)export.BaselineKb)}) |");
        }
        return sb.ToString();
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static Process StartApp(string webDll, Dictionary<string, string> env, int port)
    {
        var process = Start(webDll, env, "--urls", $"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("app: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Process Start(string webDll, Dictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(webDll)! };
        info.ArgumentList.Add(webDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in env) info.Environment[k] = v;
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    private static async Task<string> RunCliAsync(string webDll, Dictionary<string, string> env, params string[] args)
    {
        using var process = Start(webDll, env, args);
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)} exited {process.ExitCode}: {output}");
        return output;
    }

    private static async Task WaitUntilUpAsync(string url, string key)
    {
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await client.GetAsync(url)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{url} did not come up");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TokensForge.Web.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("run the bench from inside the repository");
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}

/// <summary>
/// Command-line settings: --requests, --warmup (sequential requests), --warmup-seconds 15 (then that long under the largest
/// connection count, for the passthrough and each gateway variant), --connections, --seconds, --export-rows (0 skips the export run),
/// --profile DIR (the default variant only, with dotnet-trace samples of the gateway at c=1 and c=64 written to DIR),
/// --postgres "Host=…;Username=…" (adds a variant on a fresh database of that server; <c>TF_PG</c> is read when not given),
/// --serve (the default variant only: after warm-up, prints the URL and key and keeps the gateway up until Enter),
/// --streams 1000 (concurrent streamed requests, direct and through the default variant; 0 skips them),
/// --variant TEXT (only the gateway variants whose name contains TEXT, e.g. PostgreSQL; with --serve or --profile, the first of them).
/// </summary>
internal sealed record BenchOptions(int Requests, int Warmup, int Connections, int Seconds, long ExportRows, IReadOnlyList<int> ConnectionCounts, string? Profile,
    string? Postgres, bool Serve = false, int Streams = 1000, string? Variant = null, int WarmupSeconds = 15)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Get(string name) => args.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => int.TryParse(Get(name), out var v) ? v : fallback;
        // --connections 8,64: the gateway's throughput at each count; the direct baseline at the largest.
        var counts = (Get("connections") ?? "8,32,64,128").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        return new BenchOptions(Int("requests", 1000), Int("warmup", 100), counts.Max(), Int("seconds", 10),
            long.TryParse(Get("export-rows"), out var rows) ? rows : 1_000_000, counts, Get("profile") is { } dir ? Path.GetFullPath(dir) : null,
            Get("postgres") ?? (Environment.GetEnvironmentVariable("TF_PG") is { Length: > 0 } pg ? pg : null), args.Contains("--serve"), Int("streams", 1000), Get("variant"),
            Int("warmup-seconds", 15));
    }
}
