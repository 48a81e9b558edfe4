using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>What a probe of a route saw.</summary>
public sealed record ProbeResult(Guid RouteId, string RouteName, string ModelId, bool Success, int? UpstreamStatus, int LatencyMs, int? TimeToFirstTokenMs,
    string? Reply, string? Error, DateTime At);

/// <summary>
/// "Probe now": a tiny chat completion (one output token) sent straight to one route, enabled or not, outside any
/// wallet: nobody is charged and no receipt is written. The outcome counts in the route's health like any request,
/// so a successful probe closes an open circuit.
/// </summary>
public sealed class RouteProbe(IDbContextFactory<AppDbContext> contexts, ChatUpstream upstream, RouteHealthMonitor health, TimeProvider time,
    ILogger<RouteProbe> log)
{
    public const string ProbeMessage = "ping";

    /// <summary>Probes <paramref name="modelId"/> (default: the first priced chat model the route serves) on the route; null when there is no such route.</summary>
    public async Task<ProbeResult?> ProbeAsync(Guid routeId, string? modelId = null, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var route = await db.Routes.AsNoTracking().Include(r => r.Models).FirstOrDefaultAsync(r => r.Id == routeId, ct);
        if (route is null) return null;
        var chatModels = await db.Models.AsNoTracking().Where(m => m.Kind == ModelKind.Chat).Select(m => m.Id).ToListAsync(ct);
        var priced = await db.PriceSnapshots.AsNoTracking().Where(p => p.RouteId == routeId).Select(p => p.ModelId).Distinct().ToListAsync(ct);
        // A model the route is priced for first: that is what its requests will use.
        var served = route.Models.Where(m => modelId is null ? chatModels.Contains(m.ModelId) : m.ModelId == modelId)
            .OrderBy(m => priced.Contains(m.ModelId) ? 0 : 1).ThenBy(m => m.ModelId, StringComparer.Ordinal).FirstOrDefault();
        var now = time.GetUtcNow().UtcDateTime;
        if (served is null)
            return new ProbeResult(route.Id, route.Name, modelId ?? "", false, null, 0, null, null, "The route serves no chat model to probe with.", now);

        var candidate = RouteCandidate.For(route, served, new Prices(Guid.Empty, 0, 0, 0));
        var request = new ChatCompletionRequest
        {
            Model = served.UpstreamModelId,
            Messages = [new ChatMessage { Role = "user", Content = JsonSerializer.SerializeToElement(ProbeMessage, OpenAiJsonContext.Default.String) }],
            MaxTokens = 1,
            Stream = false,
        };
        var outcome = await upstream.CompleteAsync(candidate, request, served.ModelId, ct);
        var success = outcome.Kind == UpstreamOutcomeKind.Completed;
        if (outcome.Kind == UpstreamOutcomeKind.ClientCancelled) health.Release(route.Id);
        else await health.ReportAsync(route.Id, new AttemptOutcome(success, outcome.Latency, outcome.TimeToFirstToken, success ? 200 : outcome.UpstreamStatus,
            outcome.Error, outcome.RetryAfter));
        log.LogInformation("Probe of route {Route} ({Model}): {Outcome} in {LatencyMs} ms", route.Name, served.ModelId, outcome.Kind, (int)outcome.Latency.TotalMilliseconds);
        return new ProbeResult(route.Id, route.Name, served.ModelId, success, success ? 200 : outcome.UpstreamStatus, (int)outcome.Latency.TotalMilliseconds,
            outcome.TimeToFirstToken is { } t ? (int)t.TotalMilliseconds : null,
            outcome.Completion?.Choices?.FirstOrDefault()?.Message?.Content, outcome.Error, time.GetUtcNow().UtcDateTime);
    }
}
