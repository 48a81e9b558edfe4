using TokensForge.Core.Common;

namespace TokensForge.Core.Budgets;

public static class BudgetErrors
{
    public const string ExceededCode = "budget_exceeded";

    public static readonly Error InvalidLimit = new("invalid_budget", "A budget must be a positive amount of at most six decimals.");
    public static readonly Error KeyNotFound = new("key_not_found", "No such API key.");

    /// <summary>The 402 a refused hold answers: which budget, how much of it is used, and when it resets.</summary>
    public static Error Exceeded(BudgetRefusal refusal, BudgetCalendar calendar)
    {
        var whose = refusal.Budget.Scope == BudgetScope.Key ? "This API key's" : "Your account's";
        return new(ExceededCode,
            $"{whose} {refusal.Budget.Period.Adjective()} budget of {Money.Format(refusal.Budget.Limit)} cannot cover this request: {Money.Format(refusal.Used)} is spent or held " +
            $"and the request may cost up to {Money.Format(refusal.Needed)}. It resets at {calendar.Describe(refusal.ResetsAt)}.");
    }
}
