using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TokensForge.Core.Ledger;
using TokensForge.Core.Telemetry;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Operations;

/// <summary>
/// OpenTelemetry for the <see cref="TelemetryNames.Meter"/> meter and the gateway's spans: Prometheus at <c>/metrics</c>
/// as <see cref="MetricsOptions"/> says, and OTLP (metrics and traces) when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// Nothing is registered when neither is wanted, so instruments and spans then have no listener and cost nothing.
/// </summary>
public static class Telemetry
{
    public const string MetricsPath = "/metrics";
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations();
        var metrics = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]);
        if (metrics.Mode == MetricsMode.Off && !otlp) return builder;

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("tokensforge"));
        telemetry.WithMetrics(m =>
        {
            m.AddMeter(TelemetryNames.Meter);
            if (metrics.Mode != MetricsMode.Off) m.AddPrometheusExporter();
            if (otlp) m.AddOtlpExporter();
        });
        if (otlp) telemetry.WithTracing(t => t.AddSource(TelemetryNames.TracedSources).AddOtlpExporter());
        if (metrics.Mode == MetricsMode.ManagementPort) builder.Services.AddHostedService<ManagementPortServer>();
        return builder;
    }

    /// <summary>Refuses options that would expose <c>/metrics</c> without a token, or name no management port.</summary>
    public static void RefuseUnusableMetrics(this WebApplication app)
    {
        MetricsOptions options;
        try
        {
            options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        }
        catch (OptionsValidationException invalid)
        {
            throw new StartupRefusedException(string.Join(" ", invalid.Failures));
        }
        if (options.Refusal(app.Environment.IsDevelopment()) is { } refusal) throw new StartupRefusedException(refusal);
    }

    /// <summary>In <c>MainPort</c> mode, <c>/metrics</c> on the app's port behind the bearer token (open in Development when none is set).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        // Gauges exist once the class that observes them is built; nothing else asks for this one.
        app.Services.GetRequiredService<LedgerMetrics>();
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (options.Mode != MetricsMode.MainPort) return app;
        var expected = string.IsNullOrEmpty(options.BearerToken) ? null : Encoding.UTF8.GetBytes("Bearer " + options.BearerToken);
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (expected is not null && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("A bearer token is required for /metrics.");
                return;
            }
            await next(context);
        }), optionsName: null).AllowAnonymous();
        return app;
    }
}

/// <summary>
/// In <c>ManagementPort</c> mode, a second, minimal server on <see cref="MetricsOptions.ManagementPort"/> that serves only
/// <c>/metrics</c> from the app's meter provider: the app's own port never answers it, whatever Host header is sent.
/// </summary>
internal sealed class ManagementPortServer(MeterProvider meters, IOptions<MetricsOptions> options) : IHostedService, IAsyncDisposable
{
    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ManagementPortServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://*:{options.Value.ManagementPort}");
        _server = builder.Build();
        _server.MapPrometheusScrapingEndpoint(Telemetry.MetricsPath, meters, configureBranchedPipeline: null, optionsName: null);
        await _server.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null) await _server.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
