using TokensForge.Core.Common;

namespace TokensForge.Core.Users;

/// <summary>Expected failures of finding an account.</summary>
public static class UserErrors
{
    public static readonly Error UserNotFound = new("user_not_found", "No account has this email address.");
}
