using Microsoft.Extensions.Logging;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Core.Gateway;

/// <summary>
/// How the route loop ended. <see cref="Outcome"/> is the last upstream call (null when none was made);
/// <see cref="Placed"/> is the hold to settle for it (null when none is left: it was refused, or voided after a
/// failure). With neither, <see cref="Refusal"/> says why no hold could be placed, or else every route was
/// unavailable and <see cref="RetryAt"/> says when one may be again. <see cref="Held"/> is what was reserved while
/// the last route was called (µ), even when that hold has been voided since.
/// </summary>
public sealed record FailoverResult(PlacedHold? Placed, RouteCandidate? Route, UpstreamOutcome? Outcome, HoldRefusal? Refusal, DateTime? RetryAt,
    long Held = 0);

/// <summary>
/// Tries a request's routes in order until one answers (DESIGN §5, §6). A route is skipped while its circuit is
/// open or its upstream asked to wait; a retryable failure before the first byte (connection error, timeout,
/// 429, 5xx) moves on to the next route; anything else (an answer, output that reached the caller, a request
/// the upstream refuses as malformed, the caller leaving) ends the loop. Money rules: the hold placed for a
/// route is reused for the next only when it is of the same kind and covers its worst case; otherwise it is
/// voided (free) before the next hold is placed. Every attempt and skip is noted on the receipt and reported to
/// <see cref="RouteHealthMonitor"/>.
/// </summary>
public sealed class RouteFailover(HoldPlanner planner, RouteHealthMonitor health, ILogger<RouteFailover> log)
{
    public async Task<FailoverResult> RunAsync(GatewayCaller caller, RequestRecord record, IReadOnlyList<RouteCandidate> routes, Func<Prices, long> worstCase,
        Func<PlacedHold, Task<UpstreamOutcome>> call, CancellationToken aborted)
    {
        PlacedHold? current = null;
        RouteCandidate? lastTried = null;
        UpstreamOutcome? lastOutcome = null;
        HoldRefusal? refusal = null;
        long held = 0;
        var refusedKinds = new HashSet<RouteKind>();
        var skipped = new List<(RouteCandidate Route, DateTime? RetryAt)>();
        try
        {
            foreach (var route in routes)
            {
                if (refusedKinds.Contains(route.Kind)) continue;
                if (!health.TryAcquire(route.RouteId))
                {
                    var (reason, retryAt) = health.Unavailability(route.RouteId);
                    record.Tried(route, AttemptResult.Skipped, null, reason, 0, null);
                    skipped.Add((route, retryAt));
                    continue;
                }

                var acquired = true;
                try
                {
                    var worst = worstCase(route.Prices);
                    if (current is { Hold.Parts.Count: > 0 } reusable && reusable.Hold.Kind == route.Kind && worst <= reusable.Hold.Amount)
                    {
                        current = reusable with { Route = route, WorstCase = worst };
                    }
                    else
                    {
                        if (current is not null)
                        {
                            var previous = current;
                            current = null;
                            await planner.ReleaseAsync(previous, caller, record.Id);
                        }
                        var (placed, refused) = await planner.PlaceOneAsync(caller, route, worst, record.Id, aborted);
                        if (placed is null)
                        {
                            refusal ??= refused;
                            // A key's spend limit applies to every route; a kind the wallet cannot pay applies to every route of that kind.
                            if (refused!.Reason == ReceiptReasons.SpendLimitReached) break;
                            refusedKinds.Add(route.Kind);
                            continue;
                        }
                        current = placed;
                    }

                    var outcome = await call(current);
                    acquired = false;
                    Report(route, outcome);
                    lastTried = route;
                    lastOutcome = outcome;
                    held = current.Hold.Amount;
                    record.Tried(route, ResultOf(outcome.Kind), outcome.UpstreamStatus, outcome.Error, Ms(outcome.Latency), outcome.TimeToFirstToken is { } t ? Ms(t) : null);
                    if (!outcome.Retryable || aborted.IsCancellationRequested) break;
                    log.LogWarning("Route {Route} failed before the first byte ({Status}) for receipt {ReceiptId}; the next route, if any, is tried",
                        route.RouteName, outcome.UpstreamStatus?.ToString() ?? outcome.Kind.ToString(), record.Id);
                }
                finally
                {
                    if (acquired) health.Release(route.RouteId);
                }
            }
        }
        catch
        {
            if (current is not null)
            {
                try
                {
                    await planner.ReleaseAsync(current, caller, record.Id);
                }
                catch (Exception cleanup)
                {
                    // The hold sweeper expires what could not be voided here.
                    log.LogError(cleanup, "Releasing the hold of receipt {ReceiptId} failed", record.Id);
                }
            }
            throw;
        }

        if (lastOutcome is not null) return new FailoverResult(current, lastTried, lastOutcome, null, null, held);
        var unavailable = skipped.Where(s => !refusedKinds.Contains(s.Route.Kind)).ToList();
        if (refusal is not null && (unavailable.Count == 0 || refusal.Reason == ReceiptReasons.SpendLimitReached))
            return new FailoverResult(null, refusal.Route, null, refusal, null);
        var soonest = unavailable.Select(s => s.RetryAt).Where(r => r is not null).Min();
        return new FailoverResult(null, (unavailable.Count > 0 ? unavailable : skipped)[0].Route, null, null, soonest);
    }

    private void Report(RouteCandidate route, UpstreamOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case UpstreamOutcomeKind.ClientCancelled:
                // The caller left: nothing learned about the upstream.
                health.Release(route.RouteId);
                break;
            case UpstreamOutcomeKind.Completed:
                health.Report(route.RouteId, new AttemptOutcome(true, outcome.Latency, outcome.TimeToFirstToken, 200));
                break;
            case UpstreamOutcomeKind.FailedBeforeFirstByte when outcome.RequestRefused:
                // The upstream answered, refusing a malformed request: it is up.
                health.Report(route.RouteId, new AttemptOutcome(true, outcome.Latency, null, outcome.UpstreamStatus));
                break;
            default:
                health.Report(route.RouteId, new AttemptOutcome(false, outcome.Latency, outcome.TimeToFirstToken, outcome.UpstreamStatus, outcome.Error,
                    outcome.RetryAfter));
                break;
        }
    }

    private static AttemptResult ResultOf(UpstreamOutcomeKind kind) => kind switch
    {
        UpstreamOutcomeKind.Completed => AttemptResult.Completed,
        UpstreamOutcomeKind.TimedOutBeforeFirstByte => AttemptResult.TimedOut,
        UpstreamOutcomeKind.CutAfterFirstByte => AttemptResult.Cut,
        UpstreamOutcomeKind.ClientCancelled => AttemptResult.Cancelled,
        _ => AttemptResult.Failed,
    };

    private static int Ms(TimeSpan t) => (int)Math.Min(int.MaxValue, t.TotalMilliseconds);
}
