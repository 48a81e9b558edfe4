using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using TokensForge.Core.PriceGroups;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

public sealed partial class PriceGroupsPage
{
    /// <summary>The group form: multipliers as the admin types them ("0.9"), turned into basis points on save.</summary>
    private sealed record GroupForm
    {
        public string Name { get; set; } = "";
        public string Routed { get; set; } = "1";
        public string Official { get; set; } = "1";
    }

    [Inject] private PriceGroupService Groups { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private IReadOnlyList<PriceGroupView>? _groups;
    private PriceGroupView? _editing;
    private GroupForm _form = new();
    private PriceGroupView? _membersOf;
    private IReadOnlyList<PriceGroupMemberView>? _members;
    private string _memberEmail = "";
    private Guid? _memberGroup;
    private bool _busy;
    private string? _error;
    private string? _saved;

    protected override async Task OnInitializedAsync() => await LoadAsync();

    private async Task LoadAsync()
    {
        _groups = await Groups.ListAsync();
    }

    private void Edit(PriceGroupView group)
    {
        _editing = group;
        _form = new GroupForm { Name = group.Name, Routed = Decimal(group.RoutedMultiplier), Official = Decimal(group.OfficialMultiplier) };
    }

    private void Reset()
    {
        _editing = null;
        _form = new GroupForm();
    }

    private async Task SaveAsync()
    {
        (_error, _saved) = (null, null);
        if (BasisPoints(_form.Routed) is not { } routed || BasisPoints(_form.Official) is not { } official)
        {
            _error = PriceGroupErrors.InvalidMultiplier.Message;
            return;
        }
        await RunAsync(async actor =>
        {
            var saved = await Groups.SaveAsync(_editing?.Id, _form.Name, routed, official, actor);
            if (!saved.Succeeded) return saved.Error!.Message;
            _saved = $"Saved \"{_form.Name.Trim()}\".";
            Reset();
            return null;
        });
    }

    private async Task AssignAsync()
    {
        (_error, _saved) = (null, null);
        await RunAsync(async actor =>
        {
            var assigned = await Groups.AssignAsync(_memberEmail, _memberGroup, actor);
            if (!assigned.Succeeded) return assigned.Error!.Message;
            var group = _groups?.FirstOrDefault(g => g.Id == _memberGroup);
            _saved = group is null ? $"{_memberEmail.Trim()} now pays the listed prices." : $"{_memberEmail.Trim()} is now in \"{group.Name}\".";
            if (group is not null) await ShowMembersAsync(group);
            return null;
        });
    }

    private async Task ShowMembersAsync(PriceGroupView group)
    {
        _membersOf = group;
        _members = await Groups.MembersAsync(group.Id);
    }

    private async Task RunAsync(Func<Core.Routing.AdminActor, Task<string?>> action)
    {
        _busy = true;
        try
        {
            _error = await action(await AdminActorSource.ActorAsync(AuthState, Client));
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Decimal(int bp) => (bp / (decimal)PriceGroup.OneTimes).ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>"0.9" → 9,000 basis points; null when it is not a number with at most four decimals.</summary>
    private static int? BasisPoints(string text) =>
        decimal.TryParse(text.Trim().TrimEnd('×', 'x'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
        && value * PriceGroup.OneTimes == decimal.Truncate(value * PriceGroup.OneTimes) && value * PriceGroup.OneTimes <= int.MaxValue
            ? (int)(value * PriceGroup.OneTimes) : null;
}
