using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Users;

namespace TokensForge.Web.Seeding;

/// <summary>Creates the roles and the first admin, and adds users for the CLI.</summary>
public sealed class AccountBootstrapper(
    AppDbContext db,
    AuditLog audit,
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<AdminOptions> admin,
    ILogger<AccountBootstrapper> log)
{
    public static readonly Error RoleUnknown = new("unknown_role", "The role must be Admin or Finance.");

    public async Task EnsureRolesAndAdminAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
        }

        var email = admin.Value.Email;
        if (string.IsNullOrWhiteSpace(email) || await users.FindByEmailAsync(email) is not null) return;

        var password = string.IsNullOrEmpty(admin.Value.Password) ? GeneratePassword() : admin.Value.Password;
        var created = await CreateAsync(email, password, Roles.Admin);
        if (!created.Succeeded)
        {
            log.LogError("The first admin {Email} could not be created: {Error}", email, created.Error);
            return;
        }
        if (string.IsNullOrEmpty(admin.Value.Password))
        {
            // Printed once, at the start that creates the account; it is not stored anywhere in clear text.
            Console.WriteLine($"Created admin {email} with password: {password}");
        }
        log.LogInformation("Created the first admin {Email}", email);
    }

    /// <summary>
    /// Creates a user in the User role and, when given, one more role. Granting Admin or Finance is a role change and is
    /// audited in the same transaction as the account.
    /// </summary>
    public async Task<Result<ApplicationUser>> CreateAsync(string email, string password, string? extraRole = null, string actor = "system")
    {
        if (extraRole is not null && extraRole is not (Roles.Admin or Roles.Finance)) return RoleUnknown;
        // UserManager saves through this scope's context, so one transaction covers the account, its roles and the audit event.
        await using var tx = await db.Database.BeginTransactionAsync();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
            return new Error("invalid_user", string.Join(" ", result.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, Roles.User);
        if (extraRole is not null)
        {
            await users.AddToRoleAsync(user, extraRole);
            await audit.AppendAsync(db, new AuditEntry(actor, "role.change", $"user:{email}",
                Before: new { Roles = Array.Empty<string>() }, After: new { Roles = new[] { Roles.User, extraRole } }));
        }
        await tx.CommitAsync();
        return user;
    }

    private static string GeneratePassword() =>
        "Tf-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y') + "-9a";
}
