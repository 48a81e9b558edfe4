using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Telemetry;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// The gateway's instruments: requests, tokens and money charged (from each receipt), upstream latency, time to first
/// token and failovers (from each attempt), and each route's circuit (read when scraped).
/// </summary>
/// <remarks>
/// On the hot path: tags are <see cref="TagList"/> values on the stack filled with strings the request already holds or
/// constants, each instrument is skipped while nothing listens, and nothing reads the database. Only the circuit gauge,
/// called when an exporter collects, reads the route names.
/// </remarks>
public sealed class GatewayMetrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _charged;
    private readonly Counter<long> _failovers;
    private readonly Histogram<double> _upstreamLatency;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly RouteHealthMonitor _health;
    private readonly IDbContextFactory<AppDbContext> _contexts;

    public GatewayMetrics(IMeterFactory meters, RouteHealthMonitor health, IDbContextFactory<AppDbContext> contexts)
    {
        _health = health;
        _contexts = contexts;
        var meter = meters.Create(TelemetryNames.Meter);
        _requests = meter.CreateCounter<long>("tokensforge.requests", "{request}", "Gateway requests by front door, model, route, route kind and status.");
        _tokens = meter.CreateCounter<long>("tokensforge.tokens", "{token}", "Tokens billed by model, route kind and type (prompt, completion, cached, reasoning).");
        _charged = meter.CreateCounter<long>("tokensforge.charged.micros", null, "Money charged for requests, in micro-units, by bucket and route kind.");
        _failovers = meter.CreateCounter<long>("tokensforge.failovers", "{failover}", "Routes given up before the first byte for the next one, by route.");
        _upstreamLatency = meter.CreateHistogram<double>("tokensforge.upstream.latency", "s", "Duration of upstream calls by route and result.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
        _timeToFirstToken = meter.CreateHistogram<double>("tokensforge.upstream.time_to_first_token", "s", "Time to the first output byte by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
        meter.CreateObservableGauge("tokensforge.route.circuit_state", ObserveCircuits, null, "Each route's circuit: 0 closed, 1 half-open, 2 open.");
    }

    private static readonly double[] Seconds = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    /// <summary>A receipt was written: the request, its tokens and what it charged per bucket.</summary>
    public void Receipt(RequestRecord record)
    {
        var kind = KindTag(record.RouteKind);
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList
            {
                { "front_door", record.Endpoint }, { "model", record.Model }, { "route", record.RouteName ?? "none" }, { "route_kind", kind },
                { "status", StatusTag(record.Status) },
            });
        }
        if (_tokens.Enabled)
        {
            AddTokens(record.PromptTokens, "prompt", record.Model, kind);
            AddTokens(record.CompletionTokens, "completion", record.Model, kind);
            AddTokens(record.CachedTokens, "cached", record.Model, kind);
            AddTokens(record.ReasoningTokens, "reasoning", record.Model, kind);
        }
        if (_charged.Enabled && record.Cost > 0)
        {
            var charges = record.Charges;
            // A sponsored request (the research allowance) has no wallet parts: the sponsor paid it.
            if (charges.Count == 0) _charged.Add(record.Cost, new TagList { { "bucket", "sponsor" }, { "route_kind", kind } });
            for (var i = 0; i < charges.Count; i++) _charged.Add(charges[i].Amount, new TagList { { "bucket", charges[i].BucketKey }, { "route_kind", kind } });
        }
    }

    /// <summary>An upstream call ended; <paramref name="failedOver"/> when the next route is tried after it.</summary>
    public void Attempt(RouteCandidate route, UpstreamOutcome outcome, bool failedOver)
    {
        if (_upstreamLatency.Enabled)
            _upstreamLatency.Record(outcome.Latency.TotalSeconds, new TagList { { "route", route.RouteName }, { "result", ResultTag(outcome.Kind) } });
        if (_timeToFirstToken.Enabled && outcome.TimeToFirstToken is { } ttft)
            _timeToFirstToken.Record(ttft.TotalSeconds, new TagList { { "route", route.RouteName } });
        if (failedOver) _failovers.Add(1, new TagList { { "route", route.RouteName } });
    }

    private void AddTokens(int count, string type, string model, string kind)
    {
        if (count > 0) _tokens.Add(count, new TagList { { "model", model }, { "route_kind", kind }, { "type", type } });
    }

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        List<(Guid Id, string Name)> routes;
        try
        {
            using var db = _contexts.CreateDbContext();
            routes = db.Routes.AsNoTracking().OrderBy(r => r.Name).Select(r => new ValueTuple<Guid, string>(r.Id, r.Name)).ToList();
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            // A scrape while the database is away reports no circuits rather than failing the whole scrape.
            return [];
        }
        return routes.Select(r => new Measurement<int>(CircuitValue(_health.Circuit(r.Id)), new KeyValuePair<string, object?>("route", r.Name)));
    }

    private static int CircuitValue(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    internal static string KindTag(RouteKind? kind) => kind switch
    {
        RouteKind.Official => "official",
        RouteKind.Routed => "routed",
        _ => "none",
    };

    private static string StatusTag(RequestStatus status) => status switch
    {
        RequestStatus.Succeeded => "succeeded",
        RequestStatus.Partial => "partial",
        _ => "failed",
    };

    private static string ResultTag(UpstreamOutcomeKind kind) => kind switch
    {
        UpstreamOutcomeKind.Completed => "completed",
        UpstreamOutcomeKind.TimedOutBeforeFirstByte => "timed_out",
        UpstreamOutcomeKind.CutAfterFirstByte => "cut",
        UpstreamOutcomeKind.ClientCancelled => "cancelled",
        _ => "failed",
    };
}
