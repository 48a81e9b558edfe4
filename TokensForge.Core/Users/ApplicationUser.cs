using Microsoft.AspNetCore.Identity;

namespace TokensForge.Core.Users;

/// <summary>An account of the dashboard and owner of a wallet.</summary>
public class ApplicationUser : IdentityUser
{
    /// <summary>
    /// When an admin disabled the account; null while it is enabled. A disabled account cannot sign in and its API keys
    /// are refused, but its wallet, receipts and history stay as they are (nothing is deleted).
    /// </summary>
    public DateTime? DisabledAt { get; private set; }

    public bool IsDisabled => DisabledAt is not null;
}
