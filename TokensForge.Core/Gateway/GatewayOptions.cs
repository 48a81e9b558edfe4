using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Gateway;

/// <summary>Limits of the gateway (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>
    /// Largest <c>/v1</c> request body accepted, in bytes; bigger bodies get 400. Default 20 MiB, room for a few photos
    /// sent inline as base64 (OpenAI's own limit per image); at most 256 MiB.
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Output allowance held, and sent upstream, when a request names none and its model has no maximum output set
    /// (<see cref="Routing.ModelInfo.MaxOutputTokens"/>, which is used otherwise), so no answer can cost more than its
    /// hold. Default 4096.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DefaultMaxOutputTokens { get; set; } = 4096;

    /// <summary>
    /// How long a hold lives before the sweeper may expire it (a crash leaves it behind); also when an in-flight
    /// idempotency claim is considered abandoned. Default 15 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan HoldTimeout { get; set; } = TimeSpan.FromMinutes(15);
}
