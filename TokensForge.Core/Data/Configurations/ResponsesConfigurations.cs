using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Gateway.Responses;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class StoredResponseConfiguration : IEntityTypeConfiguration<StoredResponse>
{
    public void Configure(EntityTypeBuilder<StoredResponse> b)
    {
        b.ToTable("stored_responses");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(64);
        b.Property(x => x.UserId).HasMaxLength(450);
        // Expired rows are deleted per user when that user stores the next response.
        b.HasIndex(x => new { x.UserId, x.ExpiresAt });
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
