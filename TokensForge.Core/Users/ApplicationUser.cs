using Microsoft.AspNetCore.Identity;

namespace TokensForge.Core.Users;

/// <summary>An account of the dashboard and owner of a wallet.</summary>
public class ApplicationUser : IdentityUser
{
}
