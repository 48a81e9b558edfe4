using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using TokensForge.Core.Dashboard;
using TokensForge.Core.Receipts;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Gateway.GatewayMoneyTests;

namespace TokensForge.Tests.Receipts;

/// <summary>
/// The daily rollups after real traffic: once the day is final the sweep rolls it up, the rows equal sums over the receipts,
/// the activity page and the admin overview show the same figures from the rollups as they did from the receipts, and
/// <c>rollups verify</c> finds a tampered or missing row (exit 1) until <c>rollups rebuild</c> restores it.
/// </summary>
public sealed class DailyRollupsTests
{
    [Fact]
    public async Task AfterTraffic_RollupsEqualTheReceipts_DashboardsShowTheSame_VerifyCatchesTampering_RebuildRepairs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = GatewayHost.Start(time: time);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var users = new List<string>();
        foreach (var model in new[] { "gpt-4o-mini", "gpt-4o-mini", "gpt-4o" })
        {
            var (userId, _) = await host.AddUserAsync(("routed", 5_000_000), ("official", 5_000_000));
            users.Add(userId);
            using var client = host.Client((await host.CreateKeyAsync(userId)).Secret);
            for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await FillAsync(client, model)).StatusCode);
        }
        var activity = host.Get<ActivityQueries>();
        var dashboard = host.Get<AdminDashboardQueries>();
        var liveActivity = await activity.GetAsync(users[0], today, today);
        var liveDashboard = await dashboard.GetAsync(today, today);

        // Two days on, today is final: the sweep rolls it up (the app's own timer may have done it already).
        time.Advance(TimeSpan.FromDays(2));
        await host.Get<DailyRollups>().RunOnceAsync();
        await using var db = host.NewContext();
        var done = (await db.RollupStates.AsNoTracking().SingleAsync()).CompleteBefore;
        Assert.True(done > today, $"rolled up before {done}");
        var rows = await db.DailyRollups.AsNoTracking().Where(r => r.Day == today).ToListAsync();
        var receipts = await db.RequestRecords.AsNoTracking().Include(r => r.Charges).ToListAsync();
        Assert.Equal(receipts.Count, rows.Sum(r => r.Requests));
        Assert.Equal(receipts.Sum(r => r.Cost), rows.Where(r => r.Bucket == "").Sum(r => r.Cost));
        Assert.Equal(receipts.Sum(r => (long)r.PromptTokens + r.CompletionTokens), rows.Sum(r => r.PromptTokens + r.CompletionTokens));
        foreach (var bucket in new[] { "routed", "official" })
            Assert.Equal(receipts.SelectMany(r => r.Charges).Where(c => c.BucketKey == bucket).Sum(c => c.Amount), rows.Where(r => r.Bucket == bucket).Sum(r => r.Cost));
        Assert.Equal(receipts.Count(r => r.Status == RequestStatus.Failed), rows.Sum(r => r.Failed));
        Assert.True((await host.Get<DailyRollups>().VerifyAsync(null)).Ok);

        // Same figures, now read from the rollups (the receipts are still there; the rollup rows prove where they come from below).
        var rolledActivity = await activity.GetAsync(users[0], today, today);
        var rolledDashboard = await dashboard.GetAsync(today, today);
        Assert.Equal(Shape(liveActivity), Shape(rolledActivity));
        Assert.Equal(liveDashboard.Routes, rolledDashboard.Routes);
        Assert.Equal(liveDashboard.TopModels, rolledDashboard.TopModels);
        Assert.True(liveActivity.Total > 0);

        // A tampered row and a deleted one: the pages follow the rollups, and verify names both.
        var tampered = rows.First(r => r.UserId == users[0] && r.Bucket != "" && r.Cost > 0);
        await db.DailyRollups.Where(r => r.Day == today && r.UserId == users[0] && r.Model == tampered.Model && r.Route == tampered.Route && r.Bucket == tampered.Bucket)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Cost, r => r.Cost + 7));
        await db.DailyRollups.Where(r => r.Day == today && r.UserId == users[2] && r.Bucket == "").ExecuteDeleteAsync();
        Assert.Equal(liveActivity.Total + 7, (await activity.GetAsync(users[0], today, today)).Total);

        var cli = new CliSettings(host);
        var verify = await cli.RunAsync("rollups", "verify");
        Assert.Equal(1, verify.Exit);
        Assert.Contains($"differs: {today:yyyy-MM-dd} user {users[0]} model {tampered.Model} route '{tampered.Route}' bucket '{tampered.Bucket}': ", verify.Output);
        Assert.Contains($"cost {tampered.Cost + 7} µ, sponsored 0 µ; the receipts say ", verify.Output);
        Assert.Contains($"missing row: {today:yyyy-MM-dd} user {users[2]} model gpt-4o route '", verify.Output);
        Assert.EndsWith($"rollups differ: 2 differences in {rows.Count - 1} rows, {today:yyyy-MM-dd} to {done!.Value.AddDays(-1):yyyy-MM-dd}", verify.Output);

        var rebuilt = await cli.RunAsync("rollups", "rebuild", "--from", today.ToString("yyyy-MM-dd"));
        var again = await cli.RunAsync("rollups", "verify");
        Assert.Equal((0, $"rollups rebuilt: {done.Value.DayNumber - today.DayNumber} days, complete before {done:yyyy-MM-dd}"), rebuilt);
        Assert.Equal(0, again.Exit);
        Assert.StartsWith("rollups ok: ", again.Output);
        Assert.Equal(liveActivity.Total, (await activity.GetAsync(users[0], today, today)).Total);
        Assert.Equal(2, (await cli.RunAsync("rollups", "verify", "--from", "yesterday")).Exit);
    }

    private static object Shape(ActivityReport report) =>
        (report.Total, string.Join(";", report.Buckets.Select(b => $"{b.Key}={b.Total}")), string.Join(";", report.Days.Select(d => $"{d.Day}={string.Join(",", d.ByBucket)}")),
            string.Join(";", report.Models.Select(m => $"{m.Model}={m.Total}")));

    /// <summary>The ops CLI in-process on the host's SQLite file.</summary>
    private sealed class CliSettings(GatewayHost host)
    {
        public async Task<(int Exit, string Output)> RunAsync(params string[] args)
        {
            var output = new StringWriter();
            var exit = await Web.Cli.OpsCli.RunAsync(args, output, new Dictionary<string, string?>
            {
                ["Database:Provider"] = "Sqlite",
                ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(host.App.DatabaseDirectory, "app.db")}",
                ["Admin:Email"] = "",
                ["DataProtection:AllowUnprotectedKeys"] = "true",
            });
            return (exit, output.ToString().Trim());
        }
    }
}
