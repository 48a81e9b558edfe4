using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Gateway;
using TokensForge.Core.Routing;
using TokensForge.Web.Components.Shared;
using TokensForge.Web.Formatting;

namespace TokensForge.Web.Components.Pages.Keys;

/// <summary>
/// The user's API keys: create one (its secret shown once), change a key's policy, revoke it; budgets for the active keys below.
/// </summary>
public partial class KeysPage
{
    [Inject] private ApiKeyService Keys { get; set; } = null!;
    [Inject] private ModelAccess Models { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    private string _userId = "";
    private IReadOnlyList<ApiKeyView>? _keys;
    private IReadOnlyList<string> _catalogue = [];
    private ApiKeyView? _editing;
    private KeyForm _form = new();
    private bool _busy;
    private string? _error;
    private string? _secret;
    private string? _secretName;

    private IReadOnlyList<(Guid Id, string Name)> ActiveKeys { get; set; } = [];

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        _catalogue = (await Models.ListAsync(null)).Select(m => m.Id).ToList();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _keys = await Keys.ListAsync(_userId);
        ActiveKeys = _keys.Where(k => k.Status != ApiKeyStatus.Revoked).Select(k => (k.Id, k.Name)).ToList();
    }

    private async Task SaveAsync()
    {
        _error = null;
        if (!_form.TryPolicy(out var policy, out var invalid))
        {
            _error = invalid;
            return;
        }

        _busy = true;
        try
        {
            if (_editing is null)
            {
                var created = await Keys.CreateAsync(_userId, _form.Name, policy);
                if (!created.Succeeded)
                {
                    _error = created.Error!.Message;
                    return;
                }
                (_secret, _secretName) = (created.Value!.Secret, created.Value.Key.Name);
            }
            else
            {
                var changed = await Keys.ChangePolicyAsync(_editing.Id, _userId, policy);
                if (!changed.Succeeded)
                {
                    _error = changed.Error!.Message;
                    return;
                }
            }
            ResetForm();
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private void Edit(ApiKeyView key)
    {
        _editing = key;
        _form = KeyForm.Of(key);
        _error = null;
    }

    private void ResetForm()
    {
        _editing = null;
        _form = new KeyForm();
    }

    private async Task RevokeAsync(ApiKeyView key)
    {
        if (!await Dialogs.ConfirmAsync("Revoke this key?",
                $"{key.Name} stops working at once: every request with it gets 401. A revoked key cannot be brought back.", "Revoke"))
            return;
        _busy = true;
        try
        {
            var revoked = await Keys.RevokeAsync(key.Id, _userId, _userId);
            if (!revoked.Succeeded) _error = revoked.Error!.Message;
            if (_editing?.Id == key.Id) ResetForm();
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static Color StatusColor(ApiKeyStatus status) => status switch
    {
        ApiKeyStatus.Active => Color.Success,
        ApiKeyStatus.Expired => Color.Warning,
        _ => Color.Error,
    };
}

/// <summary>The key form as typed: the name (fixed once created) and the policy, with the spend limit still text.</summary>
public sealed class KeyForm
{
    public string Name { get; set; } = "";
    public RoutePreference Preference { get; set; } = RoutePreference.Auto;
    public IReadOnlyCollection<string> Models { get; set; } = [];
    public string? SpendLimit { get; set; }
    public int? RequestsPerMinute { get; set; }
    public int? TokensPerMinute { get; set; }
    public int? Concurrency { get; set; }

    /// <summary>The last day the key works (UTC); empty: it never expires.</summary>
    public DateTime? ValidThrough { get; set; }

    /// <summary>The form of a key being changed, as its policy stands.</summary>
    public static KeyForm Of(ApiKeyView key) => new()
    {
        Name = key.Name,
        Preference = key.RoutePreference,
        Models = key.AllowedModels.ToList(),
        SpendLimit = key.SpendLimit is { } limit ? Format.Amount(limit) : null,
        RequestsPerMinute = key.RequestsPerMinute,
        TokensPerMinute = key.TokensPerMinute,
        Concurrency = key.MaxConcurrentRequests,
        ValidThrough = key.ExpiresAt?.AddDays(-1).Date,
    };

    /// <returns>False with a sentence saying why when the spend limit is not an amount.</returns>
    public bool TryPolicy(out ApiKeyPolicy policy, out string? error)
    {
        (policy, error) = (null!, null);
        long? limit = null;
        if (!string.IsNullOrWhiteSpace(SpendLimit))
        {
            if (!Money.TryParseUnits(SpendLimit, out var parsed))
            {
                error = $"'{SpendLimit}' is not a positive amount with at most six decimals, e.g. 5.00.";
                return false;
            }
            limit = parsed;
        }
        // A key is valid through the chosen day: it expires at the next midnight, UTC.
        DateTime? expires = ValidThrough is { } day ? DateTime.SpecifyKind(day.Date.AddDays(1), DateTimeKind.Utc) : null;
        policy = new ApiKeyPolicy(expires, Models.ToList(), limit, Preference, RequestsPerMinute, TokensPerMinute, Concurrency);
        return true;
    }
}
