using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Data;

namespace TokensForge.Core.Audit;

/// <summary>The verdict of a chain check: ok, or the first event that does not fit.</summary>
public sealed record AuditVerification(long Events, long? FirstBrokenSequence, string? Problem)
{
    public bool Ok => FirstBrokenSequence is null;
}

/// <summary>Walks the chain from the first event and recomputes every hash.</summary>
public sealed class AuditVerifier(IDbContextFactory<AppDbContext> contexts)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var expectedSequence = 1L;
        var previous = AuditLog.GenesisHash;
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (e.Sequence != expectedSequence)
                return new AuditVerification(expectedSequence - 1, expectedSequence, $"event {expectedSequence} is missing (next is {e.Sequence})");
            if (e.PreviousHash != previous)
                return new AuditVerification(expectedSequence - 1, e.Sequence, $"event {e.Sequence} does not link to event {e.Sequence - 1}");
            if (AuditLog.ComputeHash(e) != e.Hash)
                return new AuditVerification(expectedSequence - 1, e.Sequence, $"event {e.Sequence} ({e.Action} on {e.Target}) was changed after it was written");
            previous = e.Hash;
            expectedSequence++;
        }
        return new AuditVerification(expectedSequence - 1, null, null);
    }
}
