using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Budgets;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Gateway;

/// <summary>The route a request will use and the funds reserved for it (by the sponsor, when one pays).</summary>
/// <remarks>
/// <see cref="KeyReservation"/> names the key's spend reservation made with the hold, when the key has a spend limit;
/// <see cref="Budgets"/> what it reserved on the caller's budgets, when there are any.
/// </remarks>
public sealed record PlacedHold(RouteCandidate Route, Hold Hold, long WorstCase, Guid? KeyReservation, IRequestSponsor? Sponsor = null,
    BudgetHold? Budgets = null);

/// <summary>Why no hold could be placed, and on which route the attempt started (for the failed-request record).</summary>
public sealed record HoldRefusal(RouteCandidate Route, long WorstCase, string Reason, string? Message = null, bool AnyKind = false);

/// <summary>
/// Which routes earlier refusals rule out for the rest of a request — one rule for the gateway's failover and the
/// playground's preview. A refusal at a worst case W says the payer cannot cover W: routes whose worst case is W or
/// more are skipped, cheaper ones are still tried. The wallet's refusal is about one route kind (its grants' buckets
/// pay per kind); a key's spend limit or a sponsor's limit covers every kind alike.
/// </summary>
public sealed class RefusedRoutes
{
    private readonly List<(RouteKind? Kind, long WorstCase)> _refusals = [];

    public void Add(HoldRefusal refusal) => Add(refusal.AnyKind ? null : refusal.Route.Kind, refusal.WorstCase);

    /// <summary>A payer could not cover <paramref name="worstCase"/> on routes of <paramref name="kind"/> (null: of any kind).</summary>
    public void Add(RouteKind? kind, long worstCase) => _refusals.Add((kind, worstCase));

    public bool RulesOut(RouteKind kind, long worstCase) => _refusals.Exists(r => (r.Kind is null || r.Kind == kind) && worstCase >= r.WorstCase);
}

/// <summary>
/// Reserves a request's worst case on one route before its upstream is called: on the key's spend limit first, then
/// on the grants that pay the route's kind, or by the sponsor when one pays instead of the wallet.
/// <see cref="RouteFailover"/> walks the routes and asks <see cref="RefusedRoutes"/> which a refusal rules out.
/// </summary>
public sealed class HoldPlanner(HoldService holds, WriteTransaction writes, BudgetService budgets, BudgetCalendar calendar, TimeProvider time,
    IOptions<GatewayOptions> options)
{
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
                ? (new PlacedHold(route, sponsored.Value!, worst, null, sponsor), null)
                : (null, new HoldRefusal(route, worst, sponsored.Error!.Code, sponsored.Error.Message, AnyKind: true));
        }
        if (worst == 0) return (new PlacedHold(route, Hold.Empty, 0, null), null);

        // A key's spend limit and the budgets are reserved in the hold's own transaction, expiring with it: all or none.
        var key = caller.Key is { SpendLimit: not null } limited ? limited : null;
        Guid? reservation = key is null ? null : Guid.CreateVersion7();
        var limits = caller.Budgets ?? await budgets.LimitsAsync(caller.UserId, ct);
        BudgetHold? budgetHold = null;
        Error? budgetRefusal = null;
        var hold = await holds.PlaceAsync(caller.UserId, route.Kind, worst, options.Value.HoldTimeout, receiptId.ToString(), ct: ct,
            reserveFirst: key is null && limits.Count == 0 ? null : async (db, expiresAt, token) =>
            {
                if (key is not null && !await ApiKeySpend.TryReserveAsync(db, key.KeyId, reservation!.Value, worst, expiresAt, token)) return ApiKeyErrors.SpendLimitReached;
                if (limits.Count == 0) return null;
                var (reserved, refused) = await BudgetSpend.TryReserveAsync(db, calendar, limits, worst, time.GetUtcNow().UtcDateTime, expiresAt, token);
                budgetHold = reserved;
                return budgetRefusal = refused is null ? null : BudgetErrors.Exceeded(refused, calendar);
            });
        if (hold.Succeeded) return (new PlacedHold(route, hold.Value!, worst, reservation, Budgets: budgetHold), null);
        if (hold.Error == ApiKeyErrors.SpendLimitReached) return (null, new HoldRefusal(route, worst, ReceiptReasons.SpendLimitReached, AnyKind: true));
        if (budgetRefusal is not null && hold.Error == budgetRefusal)
            return (null, new HoldRefusal(route, worst, ReceiptReasons.BudgetExceeded, budgetRefusal.Message, AnyKind: true));
        return (null, new HoldRefusal(route, worst, ReceiptReasons.InsufficientBalance));
    }

    /// <summary>Gives back everything a hold reserved (voids it, frees the key's and the budgets' reservations) in one transaction: nothing is charged.</summary>
    public async Task ReleaseAsync(PlacedHold placed, GatewayCaller caller, Guid receiptId)
    {
        var reservation = placed.KeyReservation is { } id && caller.Key is { } key ? (key.KeyId, id) : ((Guid, Guid)?)null;
        var bothReleased = placed.Hold.Parts.Count > 0 && await writes.RunAsync(async (db, token) =>
        {
            var released = await holds.ReleaseAsync(db, placed.Hold, receiptId.ToString(), token);
            if (!released.Succeeded)
            {
                // Expired or resolved already (the sweeper got there first): the money is back; the reservation is given back below.
                if (released.Error == LedgerErrors.PendingExpired || LedgerErrors.IsAlreadyResolved(released.Error)) return Write.Rollback(false);
                throw new InvalidOperationException($"Voiding the hold of receipt {receiptId} failed: {released.Error}");
            }
            await ReleaseReservationsAsync(db, token);
            return Write.Commit(true);
        }, CancellationToken.None);
        if (!bothReleased && (reservation is not null || placed.Budgets is not null))
            await writes.RunAsync(async (db, token) =>
            {
                await ReleaseReservationsAsync(db, token);
                return Write.Commit(true);
            }, CancellationToken.None);
        if (placed.Sponsor is { } sponsor) await sponsor.ReleaseAsync(placed.WorstCase, CancellationToken.None);

        // The key's and the budgets' reservations, each given back once (whoever deletes the row moves the counter).
        async Task ReleaseReservationsAsync(AppDbContext db, CancellationToken token)
        {
            if (reservation is var (keyId, reservationId)) await ApiKeySpend.ReleaseAsync(db, keyId, reservationId, token);
            if (placed.Budgets is { } budgetHold) await BudgetSpend.ReleaseAsync(db, budgetHold.ReservationId, token);
        }
    }
}
