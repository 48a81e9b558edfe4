using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Audit;

/// <summary>What an admin did; before/after are serialised to JSON as given.</summary>
public sealed record AuditEntry(string Actor, string Action, string Target, object? Before = null, object? After = null, string? Ip = null);

/// <summary>Appends events to the audit hash chain inside the caller's transaction.</summary>
public sealed class AuditLog(TimeProvider time)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Writes <paramref name="entry"/> as the next event of the chain. Must run inside the transaction of the change it
    /// records, so the two commit or roll back together.
    /// </summary>
    public async Task<AuditEvent> AppendAsync(AppDbContext db, AuditEntry entry, CancellationToken ct = default)
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("An audit event must be written in the transaction of the change it records.");
        if (db.IsPostgres)
        {
            // Serialise appends across instances; the unique sequence index is the backstop.
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7412001)", ct);
        }

        var last = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(ct);
        var sequence = (last?.Sequence ?? 0) + 1;
        var previous = last?.Hash ?? GenesisHash;
        var now = time.GetUtcNow().UtcDateTime;
        var before = entry.Before is null ? null : JsonSerializer.Serialize(entry.Before, Json);
        var after = entry.After is null ? null : JsonSerializer.Serialize(entry.After, Json);
        var hash = ComputeHash(sequence, now, entry.Actor, entry.Action, entry.Target, before, after, entry.Ip, previous);
        var audit = new AuditEvent(sequence, now, entry.Actor, entry.Action, entry.Target, before, after, entry.Ip, previous, hash);
        db.AuditEvents.Add(audit);
        await db.SaveChangesAsync(ct);
        db.Entry(audit).State = EntityState.Detached;
        return audit;
    }

    /// <summary>SHA-256 over a canonical, field-ordered JSON of the event and the previous hash.</summary>
    public static string ComputeHash(long sequence, DateTime occurredAt, string actor, string action, string target, string? before, string? after,
        string? ip, string previousHash)
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            sequence, occurredAt.ToUniversalTime().Ticks, actor, action, target, before, after, ip, previousHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    internal static string ComputeHash(AuditEvent e) =>
        ComputeHash(e.Sequence, e.OccurredAt, e.Actor, e.Action, e.Target, e.BeforeJson, e.AfterJson, e.Ip, e.PreviousHash);
}
