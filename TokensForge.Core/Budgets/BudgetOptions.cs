using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Budgets;

/// <summary>Budget windows (section <c>Budgets</c>).</summary>
public sealed class BudgetOptions
{
    public const string Section = "Budgets";

    /// <summary>
    /// The time zone whose midnights start budget days, weeks (Mondays) and months, as an IANA id such as
    /// <c>Asia/Shanghai</c>. Default <c>UTC</c>.
    /// </summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";
}
