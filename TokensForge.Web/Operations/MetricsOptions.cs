using System.ComponentModel.DataAnnotations;

namespace TokensForge.Web.Operations;

/// <summary>Where <c>/metrics</c> (Prometheus text format) is served.</summary>
public enum MetricsMode
{
    /// <summary>Not served (OTLP export still runs when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).</summary>
    Off,

    /// <summary>On the app's own port, for callers that send <see cref="MetricsOptions.BearerToken"/>.</summary>
    MainPort,

    /// <summary>Only on <see cref="MetricsOptions.ManagementPort"/>, a port of its own to keep off the internet.</summary>
    ManagementPort,
}

/// <summary>The <c>Metrics</c> configuration section.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary><c>Off</c> (default; <c>MainPort</c> in Development), <c>MainPort</c> or <c>ManagementPort</c>.</summary>
    public MetricsMode Mode { get; set; } = MetricsMode.Off;

    /// <summary>
    /// The token a scraper sends as <c>Authorization: Bearer …</c> in <c>MainPort</c> mode; required there except in the
    /// Development environment, where an empty token leaves <c>/metrics</c> open.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>The port <c>/metrics</c> listens on (all interfaces) in <c>ManagementPort</c> mode.</summary>
    [Range(1, 65535)]
    public int? ManagementPort { get; set; }

    /// <summary>A sentence naming what is missing, or null when the options can be used in <paramref name="development"/> or not.</summary>
    public string? Refusal(bool development) => Mode switch
    {
        MetricsMode.MainPort when string.IsNullOrWhiteSpace(BearerToken) && !development =>
            "Metrics:Mode is MainPort but Metrics:BearerToken is empty: set a token for the scraper, or use Metrics:Mode=ManagementPort.",
        MetricsMode.MainPort when BearerToken is { Length: > 0 and < 16 } =>
            "Metrics:BearerToken must be at least 16 characters long.",
        MetricsMode.ManagementPort when ManagementPort is null => "Metrics:Mode is ManagementPort but Metrics:ManagementPort is not set.",
        _ => null,
    };
}
