using System.ComponentModel.DataAnnotations;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Research;

/// <summary>The free research assistant (section <c>Research</c>).</summary>
public sealed class ResearchOptions
{
    public const string Section = "Research";

    /// <summary>The chat model the assistant uses. Default <c>gpt-4o-mini</c>.</summary>
    [Required, MinLength(1)]
    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>Which route kinds the assistant may use. Default <see cref="RoutePreference.Auto"/> (the cheapest route wins).</summary>
    public RoutePreference RoutePreference { get; set; } = RoutePreference.Auto;

    /// <summary>Output limit of one answer, in tokens; also what each request holds for. Default 1024.</summary>
    [Range(16, 32_000)]
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Free requests per user per day. Default 20.</summary>
    [Range(1, 100_000)]
    public int DailyRequests { get; set; } = 20;

    /// <summary>Free spend per user per day, in µ (1,000,000 µ = ¥1.00). Default ¥1.00.</summary>
    [Range(1, 1_000_000_000_000)]
    public long DailyAmountMicros { get; set; } = 1_000_000;

    /// <summary>
    /// The UTC offset whose midnight starts the allowance's day, e.g. <c>08:00</c> for China Standard Time.
    /// Default <c>00:00</c> (days in UTC).
    /// </summary>
    [Range(typeof(TimeSpan), "-14:00:00", "14:00:00")]
    public TimeSpan DayUtcOffset { get; set; } = TimeSpan.Zero;

    /// <summary>Replaces the built-in system prompt (<see cref="ResearchAssistant.DefaultSystemPrompt"/>) when set.</summary>
    public string? SystemPrompt { get; set; }
}
