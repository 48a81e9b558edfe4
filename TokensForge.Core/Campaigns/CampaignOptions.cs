using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Campaigns;

/// <summary>The brute-force guard on redeem codes (section <c>Campaigns</c>).</summary>
public sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    /// <summary>How many failed code attempts one account may make within <see cref="AttemptWindow"/>. Default 10.</summary>
    [Range(1, 1000)]
    public int MaxFailedAttempts { get; set; } = 10;

    /// <summary>
    /// How many failed code attempts all accounts behind one IP address may make within <see cref="AttemptWindow"/>;
    /// higher than the per-account limit because a NAT or proxy puts many people on one address. Default 50.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxFailedAttemptsPerAddress { get; set; } = 50;

    /// <summary>The sliding window the failed attempts are counted in. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan AttemptWindow { get; set; } = TimeSpan.FromMinutes(10);
}
