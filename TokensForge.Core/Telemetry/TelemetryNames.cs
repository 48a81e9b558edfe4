namespace TokensForge.Core.Telemetry;

/// <summary>
/// The names exporters subscribe to. Every instrument lives on the one <see cref="Meter"/>; instrument names start with
/// <c>tokensforge.</c>, which Prometheus shows as <c>tokensforge_…</c> (counters with <c>_total</c>, seconds with <c>_seconds</c>).
/// </summary>
public static class TelemetryNames
{
    public const string Meter = "TokensForge";

    /// <summary>The gateway's spans: one per request, with children for admission, hold, upstream call and settlement.</summary>
    public const string GatewaySource = "TokensForge.Gateway";

    /// <summary>
    /// What a trace exporter listens to: the gateway's spans and ASP.NET Core's span of the HTTP request around them.
    /// Without the latter the server's unsampled request activity is their parent, and a parent-based sampler drops them.
    /// </summary>
    public static readonly string[] TracedSources = [GatewaySource, "Microsoft.AspNetCore"];
}
