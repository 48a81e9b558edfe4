using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Common;
using TokensForge.Core.Routing;
using TokensForge.Core.Users;
using TokensForge.Web.Components.Pages.Admin.Routes;
using TokensForge.Web.Components.Shared;
using TokensForge.Web.Extensions;
using CoreError = TokensForge.Core.Common.Error;

namespace TokensForge.Web.Components.Pages.Admin.Users;

/// <summary>One account for admins: its wallet, keys and history, and the admin actions on it.</summary>
public partial class UserPage
{
    [Inject] private UserAdminQueries Queries { get; set; } = null!;
    [Inject] private UserAdminService Admin { get; set; } = null!;
    [Inject] private IDialogService Dialogs { get; set; } = null!;
    [Inject] private ClientAddress Client { get; set; } = null!;
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = null!;

    [Parameter] public string Id { get; set; } = "";

    private UserOverview? _user;
    private bool _loaded, _busy, _failed;
    private string? _loadError, _message;
    private HashSet<string> _roles = [];
    private string? _adjustBucket, _adjustAmount, _adjustReason;

    protected override async Task OnParametersSetAsync()
    {
        _loaded = false;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            _user = await Queries.GetAsync(Id);
            _loadError = null;
            _roles = _user?.Roles.Where(r => UserAdminService.Assignable.Contains(r)).ToHashSet() ?? [];
            _adjustBucket ??= _user?.Buckets.FirstOrDefault()?.Key;
        }
        catch (Exception)
        {
            _loadError = "The account could not be loaded. Try again.";
        }
        _loaded = true;
    }

    private void ToggleRole(string role, bool on)
    {
        if (on) _roles.Add(role);
        else _roles.Remove(role);
    }

    private Task SaveRolesAsync() => RunAsync(async actor =>
    {
        var result = await Admin.SetRolesAsync(Id, _roles, actor);
        return result.Succeeded ? (null, $"Roles saved: {string.Join(", ", result.Value!)}.") : (result.Error, null);
    });

    private async Task DisableAsync()
    {
        if (!await Dialogs.ConfirmAsync("Disable this account?",
                $"{_user?.Email} will not be able to sign in, and every API key of the account will get 401 account_disabled until it is enabled again.",
                "Disable"))
            return;
        await RunAsync(async actor =>
        {
            var result = await Admin.DisableAsync(Id, actor);
            return result.Succeeded ? (null, "Account disabled: sign-in is refused and its API keys get 401.") : (result.Error, null);
        });
    }

    private Task EnableAsync() => RunAsync(async actor =>
    {
        var result = await Admin.EnableAsync(Id, actor);
        return result.Succeeded ? (null, "Account enabled: it can sign in and its keys work again.") : (result.Error, null);
    });

    private Task AdjustAsync() => RunAsync(async actor =>
    {
        if (!Money.TryParseUnits(_adjustAmount, out var amount) || amount <= 0) return (UserAdminErrors.InvalidAmount, null);
        var result = await Admin.AdjustAsync(Id, _adjustBucket ?? "", amount, _adjustReason ?? "", actor);
        if (!result.Succeeded) return (result.Error, null);
        _adjustAmount = _adjustReason = null;
        return (null, $"Granted {Money.Format(amount)}.");
    });

    /// <summary>Runs one admin action, shows its outcome as a sentence and reloads the account.</summary>
    private async Task RunAsync(Func<AdminActor, Task<(CoreError? Error, string? Done)>> action)
    {
        _busy = true;
        try
        {
            var (error, done) = await action(await AdminActorSource.ActorAsync(AuthState, Client));
            (_failed, _message) = error is null ? (false, done) : (true, error.Message);
        }
        catch (Exception)
        {
            (_failed, _message) = (true, "The change could not be saved. Try again.");
        }
        finally
        {
            _busy = false;
        }
        await LoadAsync();
    }

    private static string KeyState(ApiKeyView key, bool ownerDisabled) => key.Status switch
    {
        ApiKeyStatus.Revoked => "revoked",
        ApiKeyStatus.Expired => "expired",
        _ when ownerDisabled => "refused (account disabled)",
        _ => "active",
    };
}
