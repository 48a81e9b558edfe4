using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.PriceGroups;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class PriceGroupConfiguration : IEntityTypeConfiguration<PriceGroup>
{
    public void Configure(EntityTypeBuilder<PriceGroup> b)
    {
        b.ToTable("price_groups", t => t.HasCheckConstraint("ck_price_groups_multipliers",
            $"\"RoutedMultiplier\" BETWEEN {PriceGroup.MinMultiplier} AND {PriceGroup.MaxMultiplier} AND \"OfficialMultiplier\" BETWEEN {PriceGroup.MinMultiplier} AND {PriceGroup.MaxMultiplier}"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(64);
        b.HasIndex(x => x.Name).IsUnique();
    }
}

internal sealed class PriceGroupMemberConfiguration : IEntityTypeConfiguration<PriceGroupMember>
{
    public void Configure(EntityTypeBuilder<PriceGroupMember> b)
    {
        b.ToTable("price_group_members");
        // One group per user: the key is the user.
        b.HasKey(x => x.UserId);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<PriceGroup>().WithMany().HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.GroupId);
    }
}
