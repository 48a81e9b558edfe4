using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// How the route loop ended. <see cref="Outcome"/> is the last upstream call (null when none was made), on
/// <see cref="Route"/>; the hold to settle for it is the request's <see cref="GatewayRequest.Hold"/> (none when it was
/// refused, or voided after a failure). Without an outcome, <see cref="Refusal"/> says why no hold could be placed, or
/// else every route was unavailable and <see cref="RetryAt"/> says when one may be again; <see cref="Route"/> is then the
/// route the failed-request record names. <see cref="Held"/> is what was reserved while the last route was called (µ),
/// even when that hold has been voided since.
/// </summary>
public sealed record FailoverResult(RouteCandidate Route, UpstreamOutcome? Outcome, HoldRefusal? Refusal, DateTime? RetryAt, long Held = 0);

/// <summary>
/// Tries a request's routes in order until one answers (DESIGN §5, §6). A route is skipped while its circuit is
/// open or its upstream asked to wait, or when an earlier refusal rules it out (<see cref="RefusedRoutes"/>); a
/// retryable failure before the first byte (connection error, timeout, 429, 5xx) moves on to the next route; anything
/// else (an answer, output that reached the caller, a request the upstream refuses as malformed, the caller leaving)
/// ends the loop. Money rules: the hold placed for a route is reused for the next only when it is of the same kind and
/// covers its worst case; otherwise it is voided (free) before the next hold is placed. Every attempt and skip is
/// noted on the request and reported to <see cref="RouteHealthMonitor"/>.
/// </summary>
public sealed partial class RouteFailover(HoldPlanner planner, RouteHealthMonitor health, GatewayMetrics metrics, ILogger<RouteFailover> log)
{
    public async Task<FailoverResult> RunAsync(GatewayRequest request, IGatewayShape shape, CancellationToken aborted)
    {
        RouteCandidate? lastTried = null;
        UpstreamOutcome? lastOutcome = null;
        HoldRefusal? refusal = null;
        long held = 0;
        var refused = new RefusedRoutes();
        var skipped = new List<(RouteCandidate Route, DateTime? RetryAt)>();
        foreach (var route in request.Routes)
        {
            var worst = request.WorstCaseOn(route.Prices);
            if (refused.RulesOut(route.Kind, worst)) continue;
            if (!await health.TryAcquireAsync(route.RouteId, aborted))
            {
                var (reason, retryAt) = health.Unavailability(route.RouteId);
                request.Tried(new RouteAttempt(route, AttemptResult.Skipped, null, reason, 0, null));
                skipped.Add((route, retryAt));
                continue;
            }

            var acquired = true;
            try
            {
                if (request.Hold is { Hold.Parts.Count: > 0 } reusable && reusable.Hold.Kind == route.Kind && worst <= reusable.Hold.Amount)
                {
                    request.Holds(reusable with { Route = route, WorstCase = worst });
                }
                else
                {
                    await request.ReleaseHoldAsync();
                    (PlacedHold? Placed, HoldRefusal? Refusal) placement;
                    using (var span = GatewayTracing.Start(GatewayTracing.Hold)?.SetTag("tokensforge.route", route.RouteName))
                    {
                        placement = await planner.PlaceOneAsync(request.Caller, route, worst, request.ReceiptId, aborted);
                        span?.SetTag("tokensforge.hold_micros", placement.Placed?.Hold.Amount).SetTag("tokensforge.refusal", placement.Refusal?.Reason);
                    }
                    var (placed, refusedHere) = placement;
                    if (placed is null)
                    {
                        refusal ??= refusedHere;
                        refused.Add(refusedHere!);
                        continue;
                    }
                    request.Holds(placed);
                }

                UpstreamOutcome outcome;
                using (var span = GatewayTracing.Start(GatewayTracing.Upstream)?.SetTag("tokensforge.route", route.RouteName))
                {
                    outcome = await shape.CallAsync(request, route, aborted);
                    span?.SetTag("tokensforge.upstream_status", outcome.UpstreamStatus).SetTag("tokensforge.outcome", outcome.Kind.ToString());
                    if (outcome.Kind != UpstreamOutcomeKind.Completed) span?.SetStatus(ActivityStatusCode.Error, outcome.Error);
                }
                acquired = false;
                await ReportAsync(route, outcome);
                var failingOver = outcome.Retryable && !aborted.IsCancellationRequested;
                metrics.Attempt(route, outcome, failingOver);
                lastTried = route;
                lastOutcome = outcome;
                held = request.Hold!.Hold.Amount;
                request.Tried(new RouteAttempt(route, ResultOf(outcome.Kind), outcome.UpstreamStatus, outcome.Error, Ms(outcome.Latency),
                    outcome.TimeToFirstToken is { } t ? Ms(t) : null));
                if (!failingOver) break;
                LogFailover(log, route.RouteName, outcome.UpstreamStatus, outcome.Kind, request.ReceiptId);
            }
            finally
            {
                if (acquired) health.Release(route.RouteId);
            }
        }

        if (lastOutcome is not null) return new FailoverResult(lastTried!, lastOutcome, null, null, held);
        var unavailable = skipped.Where(s => !refused.RulesOut(s.Route.Kind, request.WorstCaseOn(s.Route.Prices))).ToList();
        if (refusal is not null && (unavailable.Count == 0 || ReceiptReasons.IsCallerLimit(refusal.Reason)))
            return new FailoverResult(refusal.Route, null, refusal, null);
        var soonest = unavailable.Select(s => s.RetryAt).Where(r => r is not null).Min();
        return new FailoverResult((unavailable.Count > 0 ? unavailable : skipped)[0].Route, null, null, soonest);
    }

    // Not the caller's token: what the upstream did is worth recording (and sharing) even when the caller has left.
    private async Task ReportAsync(RouteCandidate route, UpstreamOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case UpstreamOutcomeKind.ClientCancelled:
                // The caller left: nothing learned about the upstream.
                health.Release(route.RouteId);
                break;
            case UpstreamOutcomeKind.Completed:
                await health.ReportAsync(route.RouteId, new AttemptOutcome(true, outcome.Latency, outcome.TimeToFirstToken, 200));
                break;
            case not UpstreamOutcomeKind.Completed when outcome.CallerFault:
                // The upstream refused this caller's request or content: neither a success nor a failure of the route, so
                // one caller's bad prompts can neither open the circuit for everyone nor hide a real outage.
                health.ReportCallerFault(route.RouteId, new AttemptOutcome(false, outcome.Latency, outcome.TimeToFirstToken, outcome.UpstreamStatus, outcome.Error));
                break;
            default:
                await health.ReportAsync(route.RouteId, new AttemptOutcome(false, outcome.Latency, outcome.TimeToFirstToken, outcome.UpstreamStatus, outcome.Error,
                    outcome.RetryAfter));
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Route {Route} failed before the first byte ({Status}, {Kind}) for receipt {ReceiptId}; the next route, if any, is tried")]
    private static partial void LogFailover(ILogger log, string route, int? status, UpstreamOutcomeKind kind, Guid receiptId);

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
