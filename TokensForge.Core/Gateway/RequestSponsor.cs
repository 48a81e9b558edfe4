using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Pays a request in place of the caller's wallet (the free research allowance). The sponsor enforces its own
/// limit in the database and holds the worst case on its own ledger account; the gateway then posts or voids
/// that hold like any other, and the sponsor settles its limit in the receipt's transaction.
/// </summary>
/// <remarks>One instance serves one request, so it may remember what it decided (e.g. the allowance day).</remarks>
public interface IRequestSponsor
{
    /// <summary>
    /// Reserves <paramref name="worstCase"/> on the sponsor's limit and places the hold on its ledger account, in one
    /// transaction. A refusal's error code becomes the receipt's reason (at most 32 characters) and its message the
    /// caller's error.
    /// </summary>
    Task<Result<Hold>> PlaceAsync(string userId, RouteCandidate route, long worstCase, TimeSpan holdTimeout, string reference, CancellationToken ct);

    /// <summary>
    /// Inside the receipt's open transaction, after the hold was posted or voided: turns the reservation of
    /// <paramref name="reserved"/> into what the finished <paramref name="record"/> cost.
    /// </summary>
    Task SettleAsync(AppDbContext db, RequestRecord record, long reserved, CancellationToken ct);

    /// <summary>Gives back the reservation of a request that died before its receipt was written.</summary>
    Task ReleaseAsync(long reserved, CancellationToken ct);
}
