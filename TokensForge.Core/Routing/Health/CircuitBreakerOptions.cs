using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Routing.Health;

/// <summary>When a route's circuit opens and how it recovers (section <c>Routing:CircuitBreaker</c>).</summary>
public sealed class CircuitBreakerOptions
{
    public const string Section = RoutingOptions.Section + ":CircuitBreaker";

    /// <summary>Consecutive failures that open the circuit. Default 5.</summary>
    [Range(1, 1000)]
    public int ConsecutiveFailures { get; set; } = 5;

    /// <summary>Failure rate over <see cref="Window"/> that opens the circuit, once <see cref="MinimumRequests"/> were seen. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double FailureRate { get; set; } = 0.5;

    /// <summary>Requests in the window before the failure rate counts. Default 10.</summary>
    [Range(1, 100_000)]
    public int MinimumRequests { get; set; } = 10;

    /// <summary>The rolling window for the failure rate and the dashboard's figures. Default 5 minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an open circuit stays open before one probe request may try. Default 30 seconds.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the instance that claimed a half-open circuit's probe has it before another instance may probe (a probe
    /// that never reports, say because its instance died). Default 2 minutes.
    /// </summary>
    public TimeSpan ProbeLease { get; set; } = TimeSpan.FromMinutes(2);
}
