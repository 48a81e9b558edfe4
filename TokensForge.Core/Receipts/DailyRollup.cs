namespace TokensForge.Core.Receipts;

/// <summary>
/// One UTC day's totals of one user's receipts for one model, route and bucket (table <c>daily_rollups</c>), built from the
/// receipts by <see cref="DailyRollups"/> once a day can no longer change. A row with an empty <see cref="Bucket"/> counts the
/// requests, their tokens and their receipts' cost; a row per bucket counts what that bucket paid (<see cref="Cost"/> from the
/// user's grants, <see cref="SponsoredCost"/> from a sponsor such as the research allowance). <see cref="Route"/> is the receipt's route
/// name, empty when no route was chosen.
/// </summary>
public sealed class DailyRollup
{
    private DailyRollup() { }

    public DailyRollup(DateOnly day, string userId, string model, string route, string bucket)
    {
        Day = day;
        UserId = userId;
        Model = model;
        Route = route;
        Bucket = bucket;
    }

    public DateOnly Day { get; private set; }
    public string UserId { get; private set; } = "";
    public string Model { get; private set; } = "";
    public string Route { get; private set; } = "";
    public string Bucket { get; private set; } = "";
    public int Requests { get; set; }
    public int Failed { get; set; }
    public int Partial { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long Cost { get; set; }
    public long SponsoredCost { get; set; }

    public (DateOnly, string, string, string, string) Key => (Day, UserId, Model, Route, Bucket);

    public bool SameTotals(DailyRollup other) =>
        (Requests, Failed, Partial, PromptTokens, CompletionTokens, Cost, SponsoredCost)
        == (other.Requests, other.Failed, other.Partial, other.PromptTokens, other.CompletionTokens, other.Cost, other.SponsoredCost);

    public override string ToString() =>
        $"{Day:yyyy-MM-dd} user {UserId} model {Model} route '{Route}' bucket '{Bucket}': {Requests} requests ({Failed} failed, {Partial} partial), " +
        $"{PromptTokens}+{CompletionTokens} tokens, cost {Cost} µ, sponsored {SponsoredCost} µ";
}

/// <summary>How far the rollups are complete: every day before <see cref="CompleteBefore"/> is in <c>daily_rollups</c> for good.</summary>
public sealed class RollupState
{
    public const int SingletonId = 1;

    private RollupState() { }

    public int Id { get; private set; } = SingletonId;

    /// <summary>The first day not rolled up yet (null: none is); readers sum the receipts themselves from here on.</summary>
    public DateOnly? CompleteBefore { get; private set; }
}
