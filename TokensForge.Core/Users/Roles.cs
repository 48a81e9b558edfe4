namespace TokensForge.Core.Users;

/// <summary>The roles of the product; every account is a <see cref="User"/>.</summary>
public static class Roles
{
    public const string User = nameof(User);
    public const string Admin = nameof(Admin);
    public const string Finance = nameof(Finance);

    /// <summary>Finance pages and exports are open to finance staff and admins.</summary>
    public const string FinanceOrAdmin = Finance + "," + Admin;

    public static readonly IReadOnlyList<string> All = [User, Admin, Finance];
}
