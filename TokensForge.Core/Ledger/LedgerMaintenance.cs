using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;

namespace TokensForge.Core.Ledger;

/// <summary>Background work that gives back what a crash or the calendar left behind; run on every tick of <see cref="LedgerMaintenanceService"/>.</summary>
public interface IPeriodicSweep
{
    /// <summary>What it sweeps, for the log line.</summary>
    string Name { get; }

    /// <summary>Sweeps once; the number of things it resolved.</summary>
    Task<int> RunOnceAsync(CancellationToken ct = default);
}

/// <summary>Resolves holds whose timeout passed (a crash can leave them behind) as <c>expired</c>.</summary>
public sealed class HoldSweeper(IDbContextFactory<AppDbContext> contexts, LedgerService ledger, TimeProvider time) : IPeriodicSweep
{
    public string Name => "holds";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var due = await db.Transfers.AsNoTracking()
            .Where(t => t.Flags == TransferFlags.Pending && t.ExpiresAt <= now && !db.Transfers.Any(r => r.PendingId == t.Id))
            .Select(t => t.Id)
            .ToListAsync(ct);
        var expired = 0;
        foreach (var pendingId in due)
        {
            // Losing a race with a settlement is fine: the hold was resolved either way.
            if ((await ledger.SubmitAsync(TransferSpec.ExpireHold(Guid.CreateVersion7(), pendingId), ct)).Status == LedgerStatus.Created) expired++;
        }
        return expired;
    }
}

/// <summary>Moves the unreserved remainder of every expired grant to <c>sys:breakage</c>.</summary>
public sealed class GrantExpirer(IDbContextFactory<AppDbContext> contexts, LedgerService ledger, TimeProvider time) : IPeriodicSweep
{
    public string Name => "grants";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var due = await db.CreditGrants.AsNoTracking()
            .Where(g => g.ExpiresAt <= now && g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending > 0)
            .Select(g => new { g.Id, g.AccountId, Remainder = g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending })
            .ToListAsync(ct);
        var expired = 0;
        foreach (var grant in due)
        {
            // Money still held at expiry stays with its request; if the hold is voided later the next sweep takes it.
            var outcome = await ledger.SubmitAsync(TransferSpec.Single(Guid.CreateVersion7(), grant.AccountId, SystemAccounts.BreakageId,
                grant.Remainder, TransferCode.Expire, reference: grant.Id.ToString(), memo: "Grant expired"), ct);
            if (outcome.Status == LedgerStatus.Created) expired++;
        }
        return expired;
    }
}

/// <summary>
/// When <see cref="LedgerMaintenanceService"/> last finished a pass over every sweep: readiness reports the sweepers as
/// stopped when no pass has finished for a few intervals (the timer died, or a sweep hangs).
/// </summary>
public sealed class SweepHeartbeat
{
    private long _lastPassTicks;

    /// <summary>UTC end of the last pass; null before the first.</summary>
    public DateTime? LastPass => Volatile.Read(ref _lastPassTicks) is var ticks and > 0 ? new DateTime(ticks, DateTimeKind.Utc) : null;

    internal void Beat(DateTime utcNow) => Volatile.Write(ref _lastPassTicks, utcNow.Ticks);
}

/// <summary>Runs every <see cref="IPeriodicSweep"/> (holds first, then grants, then what other features register) on a <see cref="TimeProvider"/> timer.</summary>
public sealed class LedgerMaintenanceService(IEnumerable<IPeriodicSweep> sweeps, SweepHeartbeat heartbeat, TimeProvider time, IOptions<LedgerOptions> options,
    ILogger<LedgerMaintenanceService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            foreach (var sweep in sweeps)
            {
                try
                {
                    var resolved = await sweep.RunOnceAsync(stoppingToken);
                    if (resolved > 0) log.LogInformation("Sweep of {Sweep}: {Count} resolved", sweep.Name, resolved);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    log.LogError(ex, "Sweep of {Sweep} failed; it runs again at the next tick", sweep.Name);
                }
            }
            heartbeat.Beat(time.GetUtcNow().UtcDateTime);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
