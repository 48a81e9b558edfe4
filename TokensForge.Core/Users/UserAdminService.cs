using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Users;

/// <summary>
/// What an admin changes about an account: its roles, whether it is disabled, and adjustment grants. Each change and
/// its audit event commit in one transaction; a refused change writes nothing.
/// </summary>
public sealed class UserAdminService(
    IDbContextFactory<AppDbContext> contexts, AuditLog audit, AdjustmentService adjustments, ApiKeyAuthenticator authenticator, TimeProvider time)
{
    /// <summary>The roles an admin gives or takes; every account keeps <see cref="Roles.User"/>.</summary>
    public static readonly IReadOnlyList<string> Assignable = [Roles.Admin, Roles.Finance];

    /// <summary>Sets the account's extra roles to exactly <paramref name="roles"/> (a subset of <see cref="Assignable"/>).</summary>
    public async Task<Result<IReadOnlyList<string>>> SetRolesAsync(string userId, IReadOnlyCollection<string> roles, AdminActor actor, CancellationToken ct = default)
    {
        if (roles.Any(r => !Assignable.Contains(r))) return UserAdminErrors.RoleUnknown;
        var wanted = roles.Append(Roles.User).Distinct().Order(StringComparer.Ordinal).ToList();

        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return UserAdminErrors.NotFound;
        var roleIds = await db.Roles.Where(r => r.Name != null).ToDictionaryAsync(r => r.Name!, r => r.Id, ct);
        if (wanted.Any(r => !roleIds.ContainsKey(r))) return UserAdminErrors.RoleUnknown;
        var current = await RoleNamesAsync(db, userId, ct);
        if (current.SequenceEqual(wanted)) return current;

        var losesAdmin = current.Contains(Roles.Admin) && !wanted.Contains(Roles.Admin);
        if (losesAdmin && user.NormalizedEmail == actor.Name.ToUpperInvariant()) return UserAdminErrors.NotYourself;
        if (losesAdmin && !user.IsDisabled && await OtherEnabledAdminsAsync(db, roleIds[Roles.Admin], userId, ct) == 0) return UserAdminErrors.LastAdmin;

        var added = wanted.Except(current).ToList();
        var removed = current.Except(wanted).ToList();
        db.UserRoles.RemoveRange(await db.UserRoles.Where(ur => ur.UserId == userId && removed.Select(n => roleIds[n]).Contains(ur.RoleId)).ToListAsync(ct));
        db.UserRoles.AddRange(added.Select(n => new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = userId, RoleId = roleIds[n] }));
        // A new security stamp makes the account's sign-in cookies pick up the new roles at their next validation.
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, "role.change", Target(user),
            Before: new { Roles = current }, After: new { Roles = wanted }, Ip: actor.Ip), ct);
        await tx.CommitAsync(ct);
        return wanted;
    }

    /// <summary>
    /// Disables the account: it can no longer sign in (its cookies stop working at their next validation) and every
    /// instance refuses its API keys within about a second, through the key-change stamp.
    /// </summary>
    public Task<Result<DateTime>> DisableAsync(string userId, AdminActor actor, CancellationToken ct = default) => SetDisabledAsync(userId, true, actor, ct);

    /// <summary>Enables a disabled account again: sign-in and its keys work as before.</summary>
    public Task<Result<DateTime>> EnableAsync(string userId, AdminActor actor, CancellationToken ct = default) => SetDisabledAsync(userId, false, actor, ct);

    private async Task<Result<DateTime>> SetDisabledAsync(string userId, bool disable, AdminActor actor, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null) return UserAdminErrors.NotFound;
        if (disable)
        {
            if (user.NormalizedEmail == actor.Name.ToUpperInvariant()) return UserAdminErrors.NotYourself;
            var adminRole = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(ct);
            var isAdmin = adminRole is not null && await db.UserRoles.AnyAsync(ur => ur.UserId == userId && ur.RoleId == adminRole, ct);
            if (isAdmin && !user.IsDisabled && await OtherEnabledAdminsAsync(db, adminRole!, userId, ct) == 0) return UserAdminErrors.LastAdmin;
        }

        // Decided by the row: two admins pressing at once give one change and one refusal.
        var changed = disable
            ? await db.Users.Where(u => u.Id == userId && u.DisabledAt == null).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.DisabledAt, now)
                .SetProperty(u => u.SecurityStamp, Guid.NewGuid().ToString("N"))
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), ct)
            : await db.Users.Where(u => u.Id == userId && u.DisabledAt != null).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.DisabledAt, (DateTime?)null)
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), ct);
        if (changed == 0) return disable ? UserAdminErrors.AlreadyDisabled : UserAdminErrors.AlreadyEnabled;

        // The keys of the account are cached by every instance; moving the stamp makes them re-read the owner's state.
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, disable ? "user.disable" : "user.enable", Target(user),
            Before: new { DisabledAt = user.DisabledAt }, After: new { DisabledAt = disable ? now : (DateTime?)null }, Ip: actor.Ip), ct);
        await tx.CommitAsync(ct);
        authenticator.Forget();
        return now;
    }

    /// <summary>
    /// Adds an adjustment grant of <paramref name="amount"/> µ to one of the account's buckets, funded from
    /// <c>sys:adjustments</c>: the ledger's adjustment path (the CLI's <c>grants add</c>), audited as <c>grant.adjust</c>.
    /// </summary>
    public async Task<Result<IssuedGrant>> AdjustAsync(string userId, string bucketKey, long amount, string reason, AdminActor actor, CancellationToken ct = default)
    {
        if (amount <= 0) return UserAdminErrors.InvalidAmount;
        if (string.IsNullOrWhiteSpace(reason)) return UserAdminErrors.ReasonRequired;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var email = await db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        if (email is null) return UserAdminErrors.NotFound;
        return await adjustments.GrantAsync(new AdjustmentRequest(email, bucketKey, amount, null, reason.Trim(), actor.Name, actor.Ip), ct);
    }

    internal static async Task<List<string>> RoleNamesAsync(AppDbContext db, string userId, CancellationToken ct) =>
        (await (from ur in db.UserRoles
                join r in db.Roles on ur.RoleId equals r.Id
                where ur.UserId == userId && r.Name != null
                select r.Name!).ToListAsync(ct))
            .Order(StringComparer.Ordinal).ToList();

    private static Task<int> OtherEnabledAdminsAsync(AppDbContext db, string adminRoleId, string userId, CancellationToken ct) =>
        (from ur in db.UserRoles
         join u in db.Users on ur.UserId equals u.Id
         where ur.RoleId == adminRoleId && ur.UserId != userId && u.DisabledAt == null
         select u.Id).CountAsync(ct);

    private static string Target(ApplicationUser user) => $"user:{user.Email}";
}
