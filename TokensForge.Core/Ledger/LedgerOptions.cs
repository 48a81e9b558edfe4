using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Ledger;

/// <summary>Timing of the ledger's background work (section <c>Ledger</c>).</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    /// <summary>How often expired holds and grants are swept. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}
