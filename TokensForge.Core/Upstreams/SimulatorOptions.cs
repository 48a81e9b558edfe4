using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// The built-in simulator upstream (section <c>Simulator</c>): an OpenAI-compatible endpoint this app serves at
/// <c>/sim/v1</c>, reached over HTTP like any upstream, for offline demos and tests. On in the demo configuration.
/// </summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Serve <c>/sim/v1</c> and seed the two simulated routes. Default false (true in Development).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The app's own address as upstreams should call it, e.g. <c>http://127.0.0.1:5000</c>. Empty (default): taken
    /// from the addresses the server listens on once it runs.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>The key the simulator expects; stored encrypted on the simulated routes. Default <c>sim-upstream-key</c>.</summary>
    [Required]
    public string ApiKey { get; set; } = "sim-upstream-key";

    /// <summary>Delay before the first byte of every answer, in milliseconds. Default 0.</summary>
    [Range(0, 60_000)]
    public int LatencyMs { get; set; }

    /// <summary>Delay between streamed chunks, in milliseconds. Default 0.</summary>
    [Range(0, 10_000)]
    public int ChunkDelayMs { get; set; }

    /// <summary>Timeout of the seeded simulator routes, in seconds (applied when they are created). Default 30.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Length of a reply, in tokens, when the request's output limit allows it. Default 24.</summary>
    [Range(1, 100_000)]
    public int ReplyTokens { get; set; } = 24;
}
