using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Gateway;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Research;

/// <summary>Where a user stands with today's free research allowance.</summary>
public sealed record ResearchAllowanceStatus(DateOnly Day, int RequestsUsed, int RequestLimit, long Spent, long Reserved, long AmountLimit, DateTime ResetsAt)
{
    public int RequestsLeft => Math.Max(0, RequestLimit - RequestsUsed);
    public long AmountLeft => Math.Max(0, AmountLimit - Spent - Reserved);
    public bool Exhausted => RequestsLeft == 0 || AmountLeft == 0;
}

/// <summary>
/// The daily free allowance of the research assistant, paid from <c>sys:research</c> through the ledger. A request
/// reserves its worst case on the user's row for the day with a conditional update
/// (<c>Requests &lt; limit AND Spent + Reserved + worst ≤ limit</c>) in the same transaction as the hold on
/// <c>sys:research</c>; the receipt's transaction turns the reservation into spend. <c>sys:research</c> may go
/// negative (it is the platform's cost), so the per-user limit lives here, in the database, not in a process.
/// </summary>
public sealed class ResearchAllowance(IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, LedgerWriter writer, IOptions<ResearchOptions> options, TimeProvider time)
{
    /// <summary>The bucket key written on the receipt's paid-by part.</summary>
    public const string BucketKey = "research";

    /// <summary>What the receipt's paid-by part says paid.</summary>
    public const string PaidByLabel = "research allowance (free)";

    /// <summary>The allowance day that contains <paramref name="utcNow"/>.</summary>
    public DateOnly DayOf(DateTimeOffset utcNow) => DateOnly.FromDateTime(utcNow.UtcDateTime + options.Value.DayUtcOffset);

    private DateOnly Today() => DayOf(time.GetUtcNow());

    /// <summary>When the allowance of <paramref name="day"/> ends (UTC).</summary>
    public DateTime EndOf(DateOnly day) => DateTime.SpecifyKind(day.AddDays(1).ToDateTime(TimeOnly.MinValue) - options.Value.DayUtcOffset, DateTimeKind.Utc);

    public async Task<ResearchAllowanceStatus> TodayAsync(string userId, CancellationToken ct = default)
    {
        var day = Today();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var row = await db.ResearchAllowanceDays.AsNoTracking().Where(a => a.UserId == userId && a.Day == day)
            .Select(a => new { a.Requests, a.Spent, a.Reserved }).FirstOrDefaultAsync(ct);
        var o = options.Value;
        return new ResearchAllowanceStatus(day, row?.Requests ?? 0, o.DailyRequests, row?.Spent ?? 0, row?.Reserved ?? 0, o.DailyAmountMicros, EndOf(day));
    }

    /// <summary>The sponsor of one research request by <paramref name="userId"/>, on today's allowance.</summary>
    public IRequestSponsor SponsorFor(string userId) => new Sponsor(this, userId);

    private async Task<Result<Hold>> PlaceAsync(string userId, DateOnly day, RouteCandidate route, long worst, TimeSpan holdTimeout, string reference,
        CancellationToken ct)
    {
        var o = options.Value;
        return await writes.RunAsync(async (db, token) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var txId = Guid.CreateVersion7();
            var expiresAt = now + holdTimeout;
            List<HoldPart> parts = [];
            if (worst > 0)
            {
                // The ledger first: it locks the accounts, then the allowance row below, the order the receipt's transaction uses too.
                var part = new HoldPart(Guid.Empty, SystemAccounts.ResearchId, BucketKey, PaidByLabel, Guid.CreateVersion7(), worst);
                var outcome = await writer.ApplyAsync(db, txId,
                    [TransferSpec.Pending(part.PendingTransferId, SystemAccounts.ResearchId, SystemAccounts.RevenueFor(route.Kind), worst, TransferCode.Charge, expiresAt, reference)], token);
                if (!outcome.Succeeded) throw new InvalidOperationException($"Holding {worst} µ on {SystemAccounts.Research} failed: {outcome.Error}");
                parts.Add(part);
            }

            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO research_allowance_days (\"UserId\", \"Day\", \"Requests\", \"Spent\", \"Reserved\") VALUES ({userId}, {day}, 0, 0, 0) ON CONFLICT DO NOTHING", token);
            var reserved = await db.ResearchAllowanceDays
                .Where(a => a.UserId == userId && a.Day == day && a.Requests < o.DailyRequests && a.Spent + a.Reserved + worst <= o.DailyAmountMicros)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(a => a.Requests, a => a.Requests + 1)
                    .SetProperty(a => a.Reserved, a => a.Reserved + worst), token);
            if (reserved != 1) return Write.Rollback<Result<Hold>>(ResearchErrors.AllowanceExhausted);
            return Write.Commit<Result<Hold>>(new Hold(txId, userId, route.Kind, worst, parts, expiresAt));
        }, ct);
    }

    private static Task SettleAsync(AppDbContext db, string userId, DateOnly day, RequestRecord record, long reserved, CancellationToken ct)
    {
        // A free failure (nothing delivered, nothing charged) does not use up one of the day's requests.
        var giveBack = record.Status == RequestStatus.Failed && record.Cost == 0 ? 1 : 0;
        var cost = record.Cost;
        return db.ResearchAllowanceDays.Where(a => a.UserId == userId && a.Day == day).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Reserved, a => a.Reserved - reserved)
            .SetProperty(a => a.Spent, a => a.Spent + cost)
            .SetProperty(a => a.Requests, a => a.Requests - giveBack), ct);
    }

    private async Task ReleaseAsync(string userId, DateOnly day, long reserved, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.ResearchAllowanceDays.Where(a => a.UserId == userId && a.Day == day).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Reserved, a => a.Reserved - reserved)
            .SetProperty(a => a.Requests, a => a.Requests - 1), ct);
    }

    /// <summary>One request's sponsor: the day is fixed when the hold is placed, so a request running past midnight settles on the day it used.</summary>
    private sealed class Sponsor(ResearchAllowance allowance, string userId) : IRequestSponsor
    {
        private DateOnly? _day;

        public async Task<Result<Hold>> PlaceAsync(string callerId, RouteCandidate route, long worstCase, TimeSpan holdTimeout, string reference, CancellationToken ct)
        {
            if (callerId != userId) throw new InvalidOperationException("A research sponsor pays only for the user it was made for.");
            var day = allowance.Today();
            var placed = await allowance.PlaceAsync(userId, day, route, worstCase, holdTimeout, reference, ct);
            if (placed.Succeeded) _day = day;
            return placed;
        }

        public Task SettleAsync(AppDbContext db, RequestRecord record, long reserved, CancellationToken ct) =>
            _day is { } day ? ResearchAllowance.SettleAsync(db, userId, day, record, reserved, ct) : Task.CompletedTask;

        public Task ReleaseAsync(long reserved, CancellationToken ct) =>
            _day is { } day ? allowance.ReleaseAsync(userId, day, reserved, ct) : Task.CompletedTask;
    }
}
