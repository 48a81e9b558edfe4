using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;

namespace TokensForge.Web.Operations;

/// <summary>
/// Probes for a load balancer or Kubernetes: <c>/healthz</c> answers while the process serves requests (no database),
/// <c>/readyz</c> only while the database is reachable with every migration applied and the background sweeps keep running.
/// Both are anonymous and answer JSON; 503 when not healthy.
/// </summary>
public static class HealthChecks
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddProbes(this IServiceCollection services)
    {
        services.AddHealthChecks()
            // One check, in order: asking for pending migrations opens a connection, which would create an empty SQLite file.
            .AddDbContextCheck<AppDbContext>("database", HealthStatus.Unhealthy, [ReadyTag],
                async (db, ct) => await db.Database.CanConnectAsync(ct) && !(await db.Database.GetPendingMigrationsAsync(ct)).Any())
            .AddCheck<SweepsRunningCheck>("sweeps", HealthStatus.Unhealthy, [ReadyTag]);
        return services;
    }

    public static WebApplication MapProbes(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJsonAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteJsonAsync })
            .AllowAnonymous();
        return app;
    }

    /// <summary>Status and one line per check; exceptions stay in the log, never in the body.</summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}

/// <summary>Healthy while the ledger's sweeps finished a pass within the last three intervals (at least a minute).</summary>
internal sealed class SweepsRunningCheck(SweepHeartbeat heartbeat, IOptions<LedgerOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var allowed = TimeSpan.FromTicks(Math.Max(options.Value.SweepInterval.Ticks * 3, TimeSpan.FromMinutes(1).Ticks));
        var result = heartbeat.LastPass switch
        {
            null => HealthCheckResult.Unhealthy("The background sweeps have not finished a pass yet."),
            { } last when time.GetUtcNow().UtcDateTime - last > allowed =>
                HealthCheckResult.Unhealthy($"The background sweeps last finished a pass at {last:yyyy-MM-dd HH:mm:ss} UTC."),
            _ => HealthCheckResult.Healthy("The background sweeps are running."),
        };
        return Task.FromResult(result);
    }
}
