namespace TokensForge.Core.Research;

/// <summary>
/// One user's use of the free research allowance on one day. The limits are enforced on this row by
/// conditional updates (<see cref="ResearchAllowance"/>), so every app instance shares one count.
/// </summary>
public sealed class ResearchAllowanceDay
{
    private ResearchAllowanceDay() { }

    public string UserId { get; private set; } = "";

    /// <summary>The allowance's calendar day (at <see cref="ResearchOptions.DayUtcOffset"/>).</summary>
    public DateOnly Day { get; private set; }

    /// <summary>Requests started today that counted (a free failure gives its request back).</summary>
    public int Requests { get; private set; }

    /// <summary>What the finished requests cost the allowance, in µ.</summary>
    public long Spent { get; private set; }

    /// <summary>Worst cases held by requests still running, in µ.</summary>
    public long Reserved { get; private set; }
}
