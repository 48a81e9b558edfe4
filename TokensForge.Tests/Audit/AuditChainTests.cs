using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Audit;

public sealed class AuditChainTests
{
    private static async Task AppendAsync(TestDatabase db, string action, string target)
    {
        await using var context = db.NewContext();
        await using var tx = await context.Database.BeginTransactionAsync();
        await db.Get<AuditLog>().AppendAsync(context, new AuditEntry("admin@test.local", action, target, Before: new { Status = "active" }, After: new { Status = "disabled" }, Ip: "10.0.0.1"));
        await tx.CommitAsync();
    }

    [Fact]
    public async Task Append_ThreeEvents_LinkEachToThePreviousAndVerify()
    {
        await using var db = await TestDatabase.CreateAsync();
        await AppendAsync(db, "code.disable", "code:TF-AAAA-BBBB-CCCC");
        await AppendAsync(db, "code.enable", "code:TF-AAAA-BBBB-CCCC");
        await AppendAsync(db, "code.delete", "code:TF-AAAA-BBBB-DDDD");

        await using var context = db.NewContext();
        var events = await context.AuditEvents.OrderBy(e => e.Sequence).ToListAsync();
        var result = await db.Get<AuditVerifier>().VerifyAsync();

        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Sequence));
        Assert.Equal(AuditLog.GenesisHash, events[0].PreviousHash);
        Assert.Equal(events[0].Hash, events[1].PreviousHash);
        Assert.Equal(events[1].Hash, events[2].PreviousHash);
        Assert.Equal("code:TF-AAAA-BBBB-DDDD", events[2].Target);
        Assert.True(result.Ok);
        Assert.Equal(3, result.Events);
    }

    [Fact]
    public async Task Append_OutsideATransaction_IsRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var context = db.NewContext();

        await Assert.ThrowsAsync<InvalidOperationException>(() => db.Get<AuditLog>().AppendAsync(context, new AuditEntry("a", "b", "c")));
    }

    [Fact]
    public async Task Verify_RowChangedBehindTheTriggers_ReportsThatEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        for (var i = 0; i < 4; i++) await AppendAsync(db, "code.disable", $"code:{i}");
        await using var context = db.NewContext();

        // The table refuses updates outright...
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Actor\" = 'someone-else' WHERE \"Sequence\" = 2"));
        // ...and someone who removes that guard is still caught by the hash chain.
        await context.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_events_no_update");
        await context.Database.ExecuteSqlRawAsync("UPDATE audit_events SET \"Actor\" = 'someone-else' WHERE \"Sequence\" = 2");

        var result = await db.Get<AuditVerifier>().VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(2, result.FirstBrokenSequence);
        Assert.Contains("changed after it was written", result.Problem);
    }

    [Fact]
    public async Task Verify_EventDeleted_ReportsTheGap()
    {
        await using var db = await TestDatabase.CreateAsync();
        for (var i = 0; i < 3; i++) await AppendAsync(db, "code.disable", $"code:{i}");
        await using var context = db.NewContext();
        await context.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_events_no_delete");
        await context.Database.ExecuteSqlRawAsync("DELETE FROM audit_events WHERE \"Sequence\" = 2");

        var result = await db.Get<AuditVerifier>().VerifyAsync();

        Assert.Equal(2, result.FirstBrokenSequence);
        Assert.Contains("missing", result.Problem);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task Append_ConcurrentWriters_KeepOneLinearChain(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);

        await Task.WhenAll(Enumerable.Range(0, 25).Select(i => Task.Run(() => AppendAsync(db, "code.disable", $"code:{i}"))));

        var result = await db.Get<AuditVerifier>().VerifyAsync();
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(25, result.Events);
    }

    [Fact]
    public async Task AdminAdjustment_WritesOneGrantAdjustEvent_InTheSameTransaction()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.AddUserAsync("someone@test.local");
        var adjustments = db.Get<AdjustmentService>();

        var ok = await adjustments.GrantAsync(new AdjustmentRequest("someone@test.local", Bucket.Starter, 1_500_000, null, "welcome", "admin@test.local", "10.1.1.1"));
        var refused = await adjustments.GrantAsync(new AdjustmentRequest("someone@test.local", "gold", 1_500_000, null, null, "admin@test.local"));

        await using var context = db.NewContext();
        var events = await context.AuditEvents.ToListAsync();
        Assert.True(ok.Succeeded);
        Assert.False(refused.Succeeded);
        var e = Assert.Single(events);
        Assert.Equal("grant.adjust", e.Action);
        Assert.Equal("admin@test.local", e.Actor);
        Assert.Equal("user:someone@test.local", e.Target);
        Assert.Equal("10.1.1.1", e.Ip);
        Assert.Contains(ok.Value!.TransferId.ToString(), e.AfterJson);
        Assert.Contains("\"amount\":1500000", e.AfterJson);
    }
}
