using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Audit;

namespace TokensForge.Core.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.ToTable("audit_events");
        b.HasKey(x => x.Sequence);
        b.Property(x => x.Sequence).ValueGeneratedNever();
        b.Property(x => x.Actor).HasMaxLength(256);
        b.Property(x => x.Action).HasMaxLength(64);
        // Wide enough for "user:" and the longest email address an account may have.
        b.Property(x => x.Target).HasMaxLength(320);
        b.Property(x => x.Ip).HasMaxLength(64);
        b.Property(x => x.PreviousHash).HasMaxLength(64);
        b.Property(x => x.Hash).HasMaxLength(64);
        // One successor per event: a forked chain cannot be committed.
        b.HasIndex(x => x.PreviousHash).IsUnique();
        b.HasIndex(x => x.OccurredAt);
        b.HasIndex(x => new { x.Action, x.OccurredAt });
        b.HasIndex(x => x.Actor);
    }
}
