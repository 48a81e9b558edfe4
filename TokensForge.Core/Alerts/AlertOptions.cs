using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Alerts;

/// <summary>Alert webhooks (section <c>Alerts</c>).</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Attempts per delivery before it is given up. Default 8.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait before the first retry; each later one waits twice as long. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FirstRetry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether webhooks may point at loopback, private or link-local addresses. Off by default, so a user's webhook
    /// cannot reach the services beside the gateway.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }
}
