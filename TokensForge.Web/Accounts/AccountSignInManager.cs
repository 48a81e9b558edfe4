using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TokensForge.Core.Users;

namespace TokensForge.Web.Accounts;

/// <summary>
/// Identity's sign-in with one more rule: a disabled account cannot sign in (password, passkey, two-factor or external),
/// and a cookie of a disabled account stops working at its next security-stamp validation.
/// </summary>
public sealed class AccountSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    /// <summary>What a password sign-in of a disabled account returns when the password was right.</summary>
    public static readonly SignInResult AccountDisabled = new AccountDisabledResult();

    public override async Task<bool> CanSignInAsync(ApplicationUser user) => !user.IsDisabled && await base.CanSignInAsync(user);

    /// <summary>
    /// Identity refuses a disabled account before it looks at the password; here the password is checked first, so
    /// only someone who knows it learns that the account is disabled (a stranger gets the usual refusal), and wrong
    /// guesses still count towards the lockout.
    /// </summary>
    public override async Task<SignInResult> CheckPasswordSignInAsync(ApplicationUser user, string password, bool lockoutOnFailure)
    {
        if (!user.IsDisabled) return await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
        if (UserManager.SupportsUserLockout && await UserManager.IsLockedOutAsync(user)) return SignInResult.LockedOut;
        if (await UserManager.CheckPasswordAsync(user, password)) return AccountDisabled;
        if (lockoutOnFailure && UserManager.SupportsUserLockout) await UserManager.AccessFailedAsync(user);
        return SignInResult.Failed;
    }

    public override async Task<ApplicationUser?> ValidateSecurityStampAsync(ClaimsPrincipal? principal) =>
        await base.ValidateSecurityStampAsync(principal) is { IsDisabled: false } user ? user : null;
}

/// <summary>A refusal that reads as "not allowed" to Identity's callers and as "disabled" to the login page.</summary>
internal sealed class AccountDisabledResult : SignInResult
{
    public AccountDisabledResult() => IsNotAllowed = true;
}
