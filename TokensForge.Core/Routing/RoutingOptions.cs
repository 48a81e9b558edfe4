using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Routing;

/// <summary>Route settings (section <c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>
    /// How long the route table is used at most before it is read again. Edits apply sooner: the routes' change stamp drops it
    /// within <see cref="SharedStatePollInterval"/> on every instance. Default 5 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often each instance reads the shared circuits (<c>route_circuits</c>) and the route change stamp: a circuit opened
    /// or a route or price changed by another instance applies here after at most this. Default 1 second.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SharedStatePollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
