using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>The route a request will use and the funds reserved for it (by the sponsor, when one pays).</summary>
public sealed record PlacedHold(RouteCandidate Route, Hold Hold, long WorstCase, long KeyReserved, IRequestSponsor? Sponsor = null);

/// <summary>Why no hold could be placed, and on which route the attempt started (for the failed-request record).</summary>
public sealed record HoldRefusal(RouteCandidate Route, long WorstCase, string Reason, string? Message = null);

/// <summary>
/// Reserves a request's worst case before any upstream is called. Routes are tried in the policy's order;
/// when the wallet cannot pay a route kind (its grants' buckets do not pay it, or they are too low) the
/// other routes of that kind are skipped. A key with a spend limit reserves on the key first. A sponsored
/// caller's hold is placed by its sponsor instead of on the wallet.
/// </summary>
public sealed class HoldPlanner(HoldService holds, IDbContextFactory<AppDbContext> contexts, IOptions<GatewayOptions> options)
{
    public async Task<(PlacedHold? Placed, HoldRefusal? Refusal)> PlaceAsync(GatewayCaller caller, IReadOnlyList<RouteCandidate> ordered,
        Func<Prices, long> worstCase, Guid receiptId, CancellationToken ct)
    {
        var refusedKinds = new HashSet<RouteKind>();
        HoldRefusal? refusal = null;
        foreach (var route in ordered)
        {
            if (refusedKinds.Contains(route.Kind)) continue;
            var (placed, refused) = await PlaceOneAsync(caller, route, worstCase(route.Prices), receiptId, ct);
            if (placed is not null) return (placed, null);
            if (refused!.Reason == ReceiptReasons.SpendLimitReached) return (null, refused);
            // A sponsor pays whatever the kind: its limit may still fit a cheaper route of the same kind further down.
            if (caller.Sponsor is null) refusedKinds.Add(route.Kind);
            refusal ??= refused;
        }
        return (null, refusal);
    }

    /// <summary>
    /// Reserves <paramref name="worst"/> for one route: on the key's spend limit first, then on the grants that pay the
    /// route's kind (or, for a sponsored caller, by the sponsor). A refusal reserves nothing.
    /// </summary>
    public async Task<(PlacedHold? Placed, HoldRefusal? Refusal)> PlaceOneAsync(GatewayCaller caller, RouteCandidate route, long worst, Guid receiptId,
        CancellationToken ct)
    {
        if (caller.Sponsor is { } sponsor)
        {
            var sponsored = await sponsor.PlaceAsync(caller.UserId, route, worst, options.Value.HoldTimeout, receiptId.ToString(), ct);
            return sponsored.Succeeded
                ? (new PlacedHold(route, sponsored.Value!, worst, 0, sponsor), null)
                : (null, new HoldRefusal(route, worst, sponsored.Error!.Code, sponsored.Error.Message));
        }
        if (worst == 0) return (new PlacedHold(route, Hold.Empty, 0, 0), null);

        long keyReserved = 0;
        if (caller.Key is { SpendLimit: not null } key)
        {
            if (!await ApiKeySpend.TryReserveAsync(contexts, key.KeyId, worst, ct))
                return (null, new HoldRefusal(route, worst, ReceiptReasons.SpendLimitReached));
            keyReserved = worst;
        }

        var hold = await holds.PlaceAsync(caller.UserId, route.Kind, worst, options.Value.HoldTimeout, receiptId.ToString(), ct: ct);
        if (hold.Succeeded) return (new PlacedHold(route, hold.Value!, worst, keyReserved), null);

        if (keyReserved > 0) await ApiKeySpend.ReleaseAsync(contexts, caller.Key!.KeyId, keyReserved, CancellationToken.None);
        return (null, new HoldRefusal(route, worst, ReceiptReasons.InsufficientBalance));
    }

    /// <summary>Gives back everything a hold reserved (voids it, frees the key's reservation): nothing is charged.</summary>
    public async Task ReleaseAsync(PlacedHold placed, GatewayCaller caller, Guid receiptId)
    {
        if (placed.Hold.Parts.Count > 0)
        {
            var released = await holds.ReleaseAsync(placed.Hold, receiptId.ToString(), CancellationToken.None);
            if (!released.Succeeded && released.Error != LedgerErrors.PendingExpired && !LedgerErrors.IsAlreadyResolved(released.Error))
                throw new InvalidOperationException($"Voiding the hold of receipt {receiptId} failed: {released.Error}");
        }
        if (placed.KeyReserved > 0 && caller.Key is { } key) await ApiKeySpend.ReleaseAsync(contexts, key.KeyId, placed.KeyReserved, CancellationToken.None);
        if (placed.Sponsor is { } sponsor) await sponsor.ReleaseAsync(placed.WorstCase, CancellationToken.None);
    }
}
