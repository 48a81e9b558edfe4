using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokensForge.Core.Data;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>
/// Stored responses, per user. Someone else's id, an expired one and an unknown one are all "not found": the
/// caller cannot tell which, so ids leak nothing.
/// </summary>
public sealed class ResponseStore(IDbContextFactory<AppDbContext> contexts, WriteTransaction writes, TimeProvider time, IOptions<ResponsesOptions> options)
{
    /// <summary>
    /// Inside the receipt's transaction: keeps a response for <see cref="ResponsesOptions.Retention"/>, and deletes the
    /// owner's responses that have expired.
    /// </summary>
    public async Task SaveAsync(AppDbContext db, string id, string userId, Guid receiptId, string responseJson, string conversationJson, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.StoredResponses.Where(r => r.UserId == userId && r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        // A re-run after a race finds the row it wrote; one response id is stored once.
        if (!await db.StoredResponses.AnyAsync(r => r.Id == id, ct))
        {
            db.StoredResponses.Add(new StoredResponse(id, userId, receiptId, now, now + options.Value.Retention, responseJson, conversationJson));
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>The caller's own response while it has not expired; null otherwise.</summary>
    public async Task<StoredResponse?> FindAsync(string id, string userId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.StoredResponses.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id && r.UserId == userId && r.ExpiresAt > now, ct);
    }

    /// <summary>Deletes the caller's own response; false when there was none to delete.</summary>
    public Task<bool> DeleteAsync(string id, string userId, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return writes.RunAsync(async (db, token) =>
            Write.Commit(await db.StoredResponses.Where(r => r.Id == id && r.UserId == userId && r.ExpiresAt > now).ExecuteDeleteAsync(token) > 0), ct);
    }
}
