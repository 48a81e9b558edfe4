namespace TokensForge.Web.Seeding;

/// <summary>The first admin account (section <c>Admin</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Email of the admin created at first start when no such account exists. Default <c>admin@tokensforge.local</c>; empty: no admin is created.</summary>
    public string? Email { get; set; } = "admin@tokensforge.local";

    /// <summary>Its password. Empty: a strong one is generated and printed once, at the start that creates the account.</summary>
    public string? Password { get; set; }
}

/// <summary>Demo data (section <c>Demo</c>), on in the Development configuration.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Seed a demo user with a funded wallet. Default false.</summary>
    public bool Seed { get; set; }

    public string UserEmail { get; set; } = "demo@tokensforge.local";
    public string UserPassword { get; set; } = "Demo-pass-1";
}
