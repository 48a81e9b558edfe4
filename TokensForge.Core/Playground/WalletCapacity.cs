using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Playground;

/// <summary>What one bucket of a wallet can pay right now: the available balance of its live, effective grants.</summary>
public sealed record BucketCapacity(string Key, string Name, bool PaysOfficial, bool PaysRouted, long Available)
{
    public bool Pays(RouteKind kind) => kind == RouteKind.Official ? PaysOfficial : PaysRouted;
}

/// <summary>A wallet's spending power per bucket, for previews; the hold itself is decided by the database when the request is sent.</summary>
public sealed record WalletCapacity(IReadOnlyList<BucketCapacity> Buckets)
{
    public static readonly WalletCapacity Empty = new([]);

    /// <summary>The most a request on a route of <paramref name="kind"/> can hold: the sum over the buckets that pay it.</summary>
    public long For(RouteKind kind) => Buckets.Where(b => b.Pays(kind)).Sum(b => b.Available);

    /// <summary>The buckets with money that may pay a route of <paramref name="kind"/>.</summary>
    public IEnumerable<BucketCapacity> Paying(RouteKind kind) => Buckets.Where(b => b.Pays(kind) && b.Available > 0);
}

/// <summary>Reads a wallet's capacity with the eligibility rule holds use (<see cref="Ledger.GrantEligibility"/>).</summary>
public sealed class WalletCapacityQuery(IDbContextFactory<AppDbContext> contexts, TimeProvider time)
{
    public async Task<WalletCapacity> GetAsync(string userId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var buckets = await db.Buckets.AsNoTracking().OrderBy(b => b.SortOrder).ToListAsync(ct);
        var available = (await db.CreditGrants.AsNoTracking()
                .Where(g => g.UserId == userId)
                .UsableAt(now)
                .Select(g => new { g.BucketKey, Available = g.Account.CreditsPosted - g.Account.DebitsPosted - g.Account.DebitsPending })
                .ToListAsync(ct))
            .Where(g => g.Available > 0)
            .GroupBy(g => g.BucketKey)
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Available));
        return new WalletCapacity(buckets.Select(b => new BucketCapacity(b.Key, b.DisplayName, b.PaysOfficial, b.PaysRouted, available.GetValueOrDefault(b.Key))).ToList());
    }
}
