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
/// its audit event commit in one transaction; a refused change writes nothing. At least one enabled admin always
/// remains: the statement that demotes or disables an admin carries that condition and runs behind a lock on the
/// Admin role, so concurrent changes on any number of instances cannot take away the last one.
/// </summary>
public sealed class UserAdminService(
    IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, AuditLog audit, AdjustmentService adjustments, ApiKeyAuthenticator authenticator, TimeProvider time)
{
    /// <summary>The roles an admin gives or takes; every account keeps <see cref="Roles.User"/>.</summary>
    public static readonly IReadOnlyList<string> Assignable = [Roles.Admin, Roles.Finance];

    /// <summary>Sets the account's extra roles to exactly <paramref name="roles"/> (a subset of <see cref="Assignable"/>).</summary>
    public async Task<Result<IReadOnlyList<string>>> SetRolesAsync(string userId, IReadOnlyCollection<string> roles, AdminActor actor, CancellationToken ct = default)
    {
        if (roles.Any(r => !Assignable.Contains(r))) return UserAdminErrors.RoleUnknown;
        var wanted = roles.Append(Roles.User).Distinct().Order(StringComparer.Ordinal).ToList();

        return await writes.RunAsync<Result<IReadOnlyList<string>>>(async (db, token) =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, token);
            if (user is null) return Write.Rollback<Result<IReadOnlyList<string>>>(UserAdminErrors.NotFound);
            var roleIds = await db.Roles.Where(r => r.Name != null).ToDictionaryAsync(r => r.Name!, r => r.Id, token);
            if (wanted.Any(r => !roleIds.ContainsKey(r))) return Write.Rollback<Result<IReadOnlyList<string>>>(UserAdminErrors.RoleUnknown);
            var current = await RoleNamesAsync(db, userId, token);
            if (current.SequenceEqual(wanted)) return Write.Rollback<Result<IReadOnlyList<string>>>(current);

            var added = wanted.Except(current).ToList();
            var removed = current.Except(wanted).ToList();
            if (removed.Contains(Roles.Admin))
            {
                if (user.NormalizedEmail == actor.Name.ToUpperInvariant()) return Write.Rollback<Result<IReadOnlyList<string>>>(UserAdminErrors.NotYourself);
                if (!await RemoveAdminUnlessLastAsync(db, roleIds[Roles.Admin], userId, token))
                    return Write.Rollback<Result<IReadOnlyList<string>>>(UserAdminErrors.LastAdmin);
                removed.Remove(Roles.Admin);
            }
            db.UserRoles.RemoveRange(await db.UserRoles.Where(ur => ur.UserId == userId && removed.Select(n => roleIds[n]).Contains(ur.RoleId)).ToListAsync(token));
            db.UserRoles.AddRange(added.Select(n => new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = userId, RoleId = roleIds[n] }));
            // A new security stamp makes the account's sign-in cookies pick up the new roles at their next validation.
            user.SecurityStamp = Guid.NewGuid().ToString("N");
            user.ConcurrencyStamp = Guid.NewGuid().ToString();
            await db.SaveChangesAsync(token);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "role.change", Target(user),
                Before: new { Roles = current }, After: new { Roles = wanted }, Ip: actor.Ip), token);
            return Write.Commit<Result<IReadOnlyList<string>>>(wanted);
        }, ct);
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
        var result = await writes.RunAsync<Result<DateTime>>(async (db, token) =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, token);
            if (user is null) return Write.Rollback<Result<DateTime>>(UserAdminErrors.NotFound);
            int changed;
            if (disable)
            {
                if (user.NormalizedEmail == actor.Name.ToUpperInvariant()) return Write.Rollback<Result<DateTime>>(UserAdminErrors.NotYourself);
                var adminRole = await db.Roles.Where(r => r.Name == Roles.Admin).Select(r => r.Id).FirstOrDefaultAsync(token) ?? "";
                await LockAdminsAsync(db, adminRole, token);
                // Decided by the row: two admins pressing at once give one change and one refusal, and an enabled
                // admin is disabled only while another enabled admin remains.
                var otherAdmins = OtherEnabledAdmins(db, adminRole, userId);
                changed = await db.Users
                    .Where(u => u.Id == userId && u.DisabledAt == null)
                    .Where(u => !db.UserRoles.Any(ur => ur.UserId == u.Id && ur.RoleId == adminRole) || otherAdmins.Any())
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(u => u.DisabledAt, now)
                        .SetProperty(u => u.SecurityStamp, Guid.NewGuid().ToString("N"))
                        .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), token);
                if (changed == 0)
                {
                    var alreadyDisabled = await db.Users.AnyAsync(u => u.Id == userId && u.DisabledAt != null, token);
                    return Write.Rollback<Result<DateTime>>(alreadyDisabled ? UserAdminErrors.AlreadyDisabled : UserAdminErrors.LastAdmin);
                }
            }
            else
            {
                changed = await db.Users.Where(u => u.Id == userId && u.DisabledAt != null).ExecuteUpdateAsync(s => s
                    .SetProperty(u => u.DisabledAt, (DateTime?)null)
                    .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), token);
                if (changed == 0) return Write.Rollback<Result<DateTime>>(UserAdminErrors.AlreadyEnabled);
            }

            // The keys of the account are cached by every instance; moving the stamp makes them re-read the owner's state.
            await ChangeStamp.BumpAsync(db, ChangeArea.Keys, token);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, disable ? "user.disable" : "user.enable", Target(user),
                Before: new { DisabledAt = user.DisabledAt }, After: new { DisabledAt = disable ? now : (DateTime?)null }, Ip: actor.Ip), token);
            return Write.Commit<Result<DateTime>>(now);
        }, ct);
        if (result.Succeeded) authenticator.Forget();
        return result;
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

    /// <summary>
    /// Takes the Admin role's row lock, so every change that can take away an admin (a demotion, a disabling) waits for
    /// the others: on PostgreSQL the count that follows then sees what a concurrent change committed, which a count in
    /// the same statement alone would not (its snapshot predates the other's commit). On SQLite the write transaction
    /// already holds the database's one write lock.
    /// </summary>
    private static Task LockAdminsAsync(AppDbContext db, string adminRoleId, CancellationToken ct) =>
        db.Roles.Where(r => r.Id == adminRoleId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, r => r.Name), ct);

    /// <summary>Removes the Admin role from the account only while another enabled admin remains; false when it was the last.</summary>
    private static async Task<bool> RemoveAdminUnlessLastAsync(AppDbContext db, string adminRoleId, string userId, CancellationToken ct)
    {
        await LockAdminsAsync(db, adminRoleId, ct);
        var otherAdmins = OtherEnabledAdmins(db, adminRoleId, userId);
        var removed = await db.UserRoles
            .Where(ur => ur.UserId == userId && ur.RoleId == adminRoleId)
            .Where(ur => db.Users.Any(u => u.Id == userId && u.DisabledAt != null) || otherAdmins.Any())
            .ExecuteDeleteAsync(ct);
        return removed == 1;
    }

    private static IQueryable<string> OtherEnabledAdmins(AppDbContext db, string adminRoleId, string userId) =>
        from ur in db.UserRoles
        join u in db.Users on ur.UserId equals u.Id
        where ur.RoleId == adminRoleId && ur.UserId != userId && u.DisabledAt == null
        select u.Id;

    private static string Target(ApplicationUser user) => $"user:{user.Email}";
}
