using TokensForge.Core.Common;

namespace TokensForge.Core.Users;

/// <summary>Expected refusals of the admin users page.</summary>
public static class UserAdminErrors
{
    public static readonly Error NotFound = new("user_not_found", "No such account.");
    public static readonly Error RoleUnknown = new("role_unknown", $"Roles that can be given are {Roles.Admin} and {Roles.Finance}.");
    public static readonly Error AlreadyDisabled = new("user_already_disabled", "This account is already disabled.");
    public static readonly Error AlreadyEnabled = new("user_already_enabled", "This account is not disabled.");
    public static readonly Error NotYourself = new("user_not_yourself", "You cannot disable your own account or take away your own Admin role.");
    public static readonly Error LastAdmin = new("user_last_admin", "This is the last enabled admin: make another admin first.");
    public static readonly Error InvalidAmount = new("adjustment_invalid_amount", "Give a positive amount in yuan, e.g. 12.50.");
    public static readonly Error ReasonRequired = new("adjustment_reason_required", "Say why the balance is adjusted: the reason is shown on the grant and in the audit trail.");
}
