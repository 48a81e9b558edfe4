using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Research;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class ResearchAllowanceDayConfiguration : IEntityTypeConfiguration<ResearchAllowanceDay>
{
    public void Configure(EntityTypeBuilder<ResearchAllowanceDay> b)
    {
        // Backstop for the conditional updates of ResearchAllowance: counters never go below zero.
        b.ToTable("research_allowance_days", t => t.HasCheckConstraint("ck_research_allowance_days_non_negative",
            "\"Requests\" >= 0 AND \"Spent\" >= 0 AND \"Reserved\" >= 0"));
        // One row per user and day: concurrent first requests of a day insert it once (ON CONFLICT DO NOTHING).
        b.HasKey(x => new { x.UserId, x.Day });
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
