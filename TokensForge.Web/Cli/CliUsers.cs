using Microsoft.AspNetCore.Identity;
using TokensForge.Core.Users;

namespace TokensForge.Web.Cli;

/// <summary>The one way a command finds the account an <c>--email</c> names, through Identity's normalised email.</summary>
public static class CliUsers
{
    public static async Task<string> IdAsync(IServiceProvider services, string email) =>
        (await services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email.Trim()))?.Id
        ?? throw new CliException(UserErrors.UserNotFound);
}
