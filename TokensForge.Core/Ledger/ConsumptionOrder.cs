namespace TokensForge.Core.Ledger;

/// <summary>A grant that could pay, with what it has available now.</summary>
public sealed record GrantBalance(
    Guid GrantId,
    Guid AccountId,
    string BucketKey,
    GrantCategory Category,
    int Priority,
    DateTime? ExpiresAt,
    DateTime CreatedAt,
    string SourceLabel,
    long Available);

/// <summary>How much one grant pays of a charge.</summary>
public sealed record Allocation(GrantBalance Grant, long Amount);

/// <summary>
/// Which grants pay (DESIGN §3): priority ascending, then soonest expiry (never-expiring last), then
/// promotional before paid, then oldest, then id; drained greedily.
/// </summary>
public static class ConsumptionOrder
{
    public static IEnumerable<GrantBalance> Order(IEnumerable<GrantBalance> grants) => grants
        .OrderBy(g => g.Priority)
        .ThenBy(g => g.ExpiresAt is null)
        .ThenBy(g => g.ExpiresAt)
        .ThenBy(g => g.Category == GrantCategory.Promotional ? 0 : 1)
        .ThenBy(g => g.CreatedAt)
        .ThenBy(g => g.GrantId);

    /// <summary>Draws <paramref name="amount"/> from the grants in consumption order; the sum is short when they cannot pay it all.</summary>
    public static IReadOnlyList<Allocation> Allocate(IEnumerable<GrantBalance> eligible, long amount)
    {
        var parts = new List<Allocation>();
        var remaining = amount;
        foreach (var grant in Order(eligible))
        {
            if (remaining == 0) break;
            if (grant.Available <= 0) continue;
            var take = Math.Min(grant.Available, remaining);
            parts.Add(new Allocation(grant, take));
            remaining -= take;
        }
        return parts;
    }
}
