using Microsoft.AspNetCore.Components;
using TokensForge.Core.Budgets;
using TokensForge.Core.Common;

namespace TokensForge.Web.Components.Pages.Budgets;

/// <summary>
/// A user's budgets as usage bars with their reset times, and the form that sets them: the account's own (no
/// <see cref="Keys"/>), or one key's at a time, chosen from <see cref="Keys"/>.
/// </summary>
public sealed partial class BudgetsPanel
{
    [Inject] private BudgetService Budgets { get; set; } = null!;
    [Inject] private BudgetCalendar Calendar { get; set; } = null!;

    [Parameter, EditorRequired] public string UserId { get; set; } = "";

    /// <summary>The user's active keys (id, name): given, the panel shows and sets key budgets instead of the account's.</summary>
    [Parameter] public IReadOnlyList<(Guid Id, string Name)>? Keys { get; set; }

    private IReadOnlyList<BudgetUsage>? _usage;
    private readonly Dictionary<BudgetPeriod, string?> _amounts = Enum.GetValues<BudgetPeriod>().ToDictionary(p => p, _ => (string?)null);
    private Guid? _keyId;
    private bool _busy;
    private bool _saved;
    private string? _error;

    /// <summary>The budgets this panel is about: the account's, or those of the listed keys.</summary>
    private IReadOnlyList<BudgetUsage> Shown => _usage?.Where(u => Keys is null
        ? u.Scope == BudgetScope.User
        : u.Scope == BudgetScope.Key && Keys.Any(k => k.Id == u.KeyId)).ToList() ?? [];

    protected override async Task OnParametersSetAsync()
    {
        if (Keys is not null && _keyId is { } chosen && Keys.All(k => k.Id != chosen)) _keyId = null;
        // With one key there is nothing to choose.
        if (Keys is [var only]) _keyId = only.Id;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _usage = await Budgets.UsageAsync(UserId);
        FillForm();
    }

    private void SelectKey(Guid? keyId)
    {
        _keyId = keyId;
        _saved = false;
        _error = null;
        FillForm();
    }

    private void FillForm()
    {
        foreach (var period in Enum.GetValues<BudgetPeriod>())
        {
            var budget = _usage?.FirstOrDefault(u => u.Period == period && (Keys is null ? u.Scope == BudgetScope.User : u.Scope == BudgetScope.Key && u.KeyId == _keyId));
            _amounts[period] = budget is null ? null : Money.ToDecimalString(budget.Limit);
        }
    }

    private async Task SaveAsync()
    {
        _error = null;
        _saved = false;
        var limits = new Dictionary<BudgetPeriod, long?>();
        foreach (var (period, text) in _amounts)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                limits[period] = null;
                continue;
            }
            if (!Money.TryParseUnits(text, out var amount))
            {
                _error = $"The {PeriodName(period).ToLowerInvariant()} budget '{text}' is not a positive amount with at most six decimals, e.g. 10.00.";
                return;
            }
            limits[period] = amount;
        }

        _busy = true;
        try
        {
            foreach (var (period, limit) in limits)
            {
                var set = await Budgets.SetAsync(UserId, Keys is null ? null : _keyId, period, limit);
                if (!set.Succeeded)
                {
                    _error = set.Error!.Message;
                    return;
                }
            }
            _saved = true;
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private string Title(BudgetUsage budget) =>
        (Keys?.FirstOrDefault(k => k.Id == budget.KeyId).Name is { } name ? $"{name} · " : "") + PeriodName(budget.Period);

    private static string PeriodName(BudgetPeriod period) => char.ToUpperInvariant(period.Adjective()[0]) + period.Adjective()[1..];

    private static double Percent(BudgetUsage budget) => budget.Limit == 0 ? 100 : Math.Min(100, budget.Used * 100.0 / budget.Limit);
}
