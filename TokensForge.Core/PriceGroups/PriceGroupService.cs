using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Audit;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;

namespace TokensForge.Core.PriceGroups;

public sealed record PriceGroupView(Guid Id, string Name, int RoutedMultiplier, int OfficialMultiplier, int Members, DateTime ChangedAt);

public sealed record PriceGroupMemberView(string UserId, string Email, DateTime JoinedAt);

/// <summary>
/// Price groups as admins run them: create, change, put a user in a group or take them out, each audited in its own
/// transaction. Every change bumps the key stamp, so keys (which carry their owner's tier) reload within a second.
/// </summary>
public sealed class PriceGroupService(IDbContextFactory<AppDbContext> contexts, AuditLog audit, ApiKeyAuthenticator authenticator, TimeProvider time)
{
    public async Task<Result<Guid>> SaveAsync(Guid? id, string name, int routedMultiplier, int officialMultiplier, AdminActor actor, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 64) return PriceGroupErrors.NameRequired;
        if (!Valid(routedMultiplier) || !Valid(officialMultiplier)) return PriceGroupErrors.InvalidMultiplier;
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.PriceGroups.AnyAsync(g => g.Name == name && g.Id != id, ct)) return PriceGroupErrors.NameTaken;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        PriceGroup group;
        if (id is { } existing)
        {
            group = await db.PriceGroups.FirstOrDefaultAsync(g => g.Id == existing, ct) ?? null!;
            if (group is null) return PriceGroupErrors.NotFound;
            var before = View(group);
            group.Change(name, routedMultiplier, officialMultiplier, now);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "price_group.update", Target(group), before, View(group), actor.Ip), ct);
        }
        else
        {
            group = new PriceGroup(Guid.CreateVersion7(), name, routedMultiplier, officialMultiplier, now);
            db.PriceGroups.Add(group);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(actor.Name, "price_group.create", Target(group), After: View(group), Ip: actor.Ip), ct);
        }
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        authenticator.Forget();
        return group.Id;
    }

    /// <summary>Puts the account with <paramref name="email"/> in <paramref name="groupId"/> (out of any other), or in none when null.</summary>
    public async Task<Result<bool>> AssignAsync(string email, Guid? groupId, AdminActor actor, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var normalized = email.Trim().ToUpperInvariant();
        var user = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => new { u.Id, u.Email }).FirstOrDefaultAsync(ct);
        if (user is null) return Users.UserErrors.UserNotFound;
        var group = groupId is { } g ? await db.PriceGroups.FirstOrDefaultAsync(x => x.Id == g, ct) : null;
        if (groupId is not null && group is null) return PriceGroupErrors.NotFound;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var current = await db.PriceGroupMembers.FirstOrDefaultAsync(m => m.UserId == user.Id, ct);
        var before = current is null ? null : await db.PriceGroups.Where(x => x.Id == current.GroupId).Select(x => x.Name).FirstOrDefaultAsync(ct);
        if (current is not null) db.PriceGroupMembers.Remove(current);
        if (group is not null) db.PriceGroupMembers.Add(new PriceGroupMember(user.Id, group.Id, time.GetUtcNow().UtcDateTime));
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(actor.Name, "price_group.assign", $"user:{user.Email}",
            new { Group = before }, new { Group = group?.Name }, actor.Ip), ct);
        await ChangeStamp.BumpAsync(db, ChangeArea.Keys, ct);
        await tx.CommitAsync(ct);
        authenticator.Forget();
        return true;
    }

    public async Task<IReadOnlyList<PriceGroupView>> ListAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PriceGroups.AsNoTracking().OrderBy(g => g.Name)
            .Select(g => new PriceGroupView(g.Id, g.Name, g.RoutedMultiplier, g.OfficialMultiplier, db.PriceGroupMembers.Count(m => m.GroupId == g.Id), g.ChangedAt))
            .ToListAsync(ct);
    }

    public async Task<IReadOnlyList<PriceGroupMemberView>> MembersAsync(Guid groupId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PriceGroupMembers.AsNoTracking().Where(m => m.GroupId == groupId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new PriceGroupMemberView(u.Id, u.Email ?? "", m.JoinedAt))
            .OrderBy(m => m.Email).ToListAsync(ct);
    }

    /// <summary>The tier a user's requests are priced at (<see cref="PriceTier.None"/> outside every group).</summary>
    public static async Task<PriceTier> TierOfAsync(AppDbContext db, string userId, CancellationToken ct) =>
        await db.PriceGroupMembers.AsNoTracking().Where(m => m.UserId == userId)
            .Join(db.PriceGroups, m => m.GroupId, g => g.Id, (m, g) => new PriceTier(g.Name, g.RoutedMultiplier, g.OfficialMultiplier))
            .FirstOrDefaultAsync(ct) ?? PriceTier.None;

    public async Task<PriceTier> TierOfAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await TierOfAsync(db, userId, ct);
    }

    private static bool Valid(int bp) => bp is >= PriceGroup.MinMultiplier and <= PriceGroup.MaxMultiplier;

    private static string Target(PriceGroup group) => $"price_group:{group.Name}";

    private static object View(PriceGroup g) => new { g.Name, Routed = PriceTier.Describe(g.RoutedMultiplier), Official = PriceTier.Describe(g.OfficialMultiplier) };
}
