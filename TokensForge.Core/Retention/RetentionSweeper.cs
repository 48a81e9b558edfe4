using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Research;

namespace TokensForge.Core.Retention;

/// <summary>
/// Deletes what outlived its purpose (<see cref="RetentionOptions"/>): redeem-code attempts, idempotency records and
/// research-allowance days. Runs as one of the ledger's periodic sweeps, but at most once per
/// <see cref="RetentionOptions.Interval"/>; deletes in batches through <see cref="WriteTransaction"/>, so it queues
/// behind the requests' writes instead of holding the database's write lock. Money and receipts are never pruned.
/// </summary>
public sealed class RetentionSweeper(WriteTransaction writes, IOptions<RetentionOptions> options, IOptions<CampaignOptions> campaigns,
    IOptions<ResearchOptions> research, TimeProvider time) : IPeriodicSweep
{
    private DateTime? _lastRun;

    public string Name => "retention";

    public async Task<int> RunOnceAsync(CancellationToken ct = default)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        if (_lastRun is { } last && now - last < settings.Interval) return 0;
        _lastRun = now;

        // The brute-force guard counts attempts within its window: never delete one it may still count.
        var attemptsBefore = now - (settings.CodeAttempts > campaigns.Value.AttemptWindow ? settings.CodeAttempts : campaigns.Value.AttemptWindow);
        var claimsBefore = now - settings.IdempotencyRecords;
        // A day is over at its end in the allowance's own time zone; a row still holding a reservation is left alone.
        var today = DateOnly.FromDateTime(now + research.Value.DayUtcOffset);
        var daysBefore = today.AddDays(-(int)Math.Ceiling(settings.ResearchAllowanceDays.TotalDays));
        var batch = settings.BatchSize;

        var deleted = 0;
        deleted += await DeleteAsync(db => db.CodeAttempts.Where(a => a.AttemptedAt < attemptsBefore).OrderBy(a => a.Id).Take(batch), batch, ct);
        deleted += await DeleteAsync(db => db.IdempotencyRecords.Where(r => r.CreatedAt < claimsBefore).OrderBy(r => r.Id).Take(batch), batch, ct);
        deleted += await DeleteAsync(db => db.ResearchAllowanceDays.Where(d => d.Day < daysBefore && d.Reserved == 0)
            .OrderBy(d => d.Day).ThenBy(d => d.UserId).Take(batch), batch, ct);
        return deleted;
    }

    private async Task<int> DeleteAsync<T>(Func<AppDbContext, IQueryable<T>> due, int batch, CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var deleted = await writes.RunAsync(async (db, token) => Write.Commit(await due(db).ExecuteDeleteAsync(token)), ct);
            total += deleted;
            if (deleted < batch) break;
        }
        return total;
    }
}

public static class RetentionServiceCollectionExtensions
{
    /// <summary>The retention sweep, run with the ledger's sweeps (options section <c>Retention</c>).</summary>
    public static IServiceCollection AddRetention(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionSweeper>();
        services.AddSingleton<IPeriodicSweep>(sp => sp.GetRequiredService<RetentionSweeper>());
        return services;
    }
}
