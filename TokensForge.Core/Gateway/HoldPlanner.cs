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
            var worst = worstCase(route.Prices);
            if (caller.Sponsor is { } sponsor)
            {
                // The sponsor pays whatever the route kind; its limit may still fit a cheaper route further down.
                var sponsored = await sponsor.PlaceAsync(caller.UserId, route, worst, options.Value.HoldTimeout, receiptId.ToString(), ct);
                if (sponsored.Succeeded) return (new PlacedHold(route, sponsored.Value!, worst, 0, sponsor), null);
                refusal ??= new HoldRefusal(route, worst, sponsored.Error!.Code, sponsored.Error.Message);
                continue;
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
            refusedKinds.Add(route.Kind);
            refusal ??= new HoldRefusal(route, worst, ReceiptReasons.InsufficientBalance);
        }
        return (null, refusal);
    }
}
