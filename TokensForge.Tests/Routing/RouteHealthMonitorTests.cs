using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Routing;

public sealed class RouteHealthMonitorTests
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromSeconds(30);
    private static readonly AttemptOutcome Failure = new(false, TimeSpan.FromMilliseconds(5), null, 500, "upstream error");

    [Fact]
    public async Task AFailedProbe_ReopensTheSharedCircuit_BeforeAnotherCallerOfTheSameInstanceMayClaimTheProbe()
    {
        await using var db = await TestDatabase.CreateAsync();
        await db.Get<SimulatorRoutes>().EnsureAsync();
        Guid routeId;
        await using (var context = db.NewContext()) routeId = await context.Routes.Select(r => r.Id).FirstAsync();
        var gate = new HeldWrite();
        var options = Options.Create(new CircuitBreakerOptions { ConsecutiveFailures = 1, MinimumRequests = 1000, CoolDown = CoolDown });
        var shared = new SharedCircuits(new GatedContexts(db.ConnectionString, gate), db.Time, options, NullLogger<SharedCircuits>.Instance);
        var monitor = new RouteHealthMonitor(options, shared, db.Time);

        Assert.True(await monitor.TryAcquireAsync(routeId));
        await monitor.ReportAsync(routeId, Failure);
        Assert.False(await monitor.TryAcquireAsync(routeId));
        db.Time.Advance(CoolDown);
        Assert.True(await monitor.TryAcquireAsync(routeId));

        // The probe fails; while its reopening write is on its way to the database, a second caller of this instance asks.
        gate.HoldNext();
        var report = monitor.ReportAsync(routeId, Failure);
        await gate.Held.WaitAsync(TimeSpan.FromSeconds(30));
        var secondCaller = await monitor.TryAcquireAsync(routeId);
        gate.Release();
        await report;

        Assert.False(secondCaller);
        Assert.False(await monitor.TryAcquireAsync(routeId));
        await using (var context = db.NewContext())
        {
            var circuit = await context.RouteCircuits.AsNoTracking().SingleAsync(c => c.RouteId == routeId);
            Assert.True(circuit.IsOpen);
            Assert.Equal(db.Time.GetUtcNow().UtcDateTime + CoolDown, circuit.OpenUntil);
            Assert.Null(circuit.ProbeOwner);
        }
        db.Time.Advance(CoolDown);
        Assert.True(await monitor.TryAcquireAsync(routeId));
    }

    /// <summary>Holds the next write command before it reaches the database until released.</summary>
    private sealed class HeldWrite : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _armed;

        public Task Held => _held.Task;

        public void HoldNext() => _armed = _released;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _armed, null) is { } release)
            {
                _held.TrySetResult();
                await release.Task;
            }
            return result;
        }
    }

    private sealed class GatedContexts(string connectionString, HeldWrite gate) : IDbContextFactory<AppDbContext>
    {
        private readonly DbContextOptions<SqliteAppDbContext> _options =
            new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(connectionString).AddInterceptors(gate).Options;

        public AppDbContext CreateDbContext() => new SqliteAppDbContext(_options);
    }
}
