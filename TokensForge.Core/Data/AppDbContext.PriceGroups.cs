using Microsoft.EntityFrameworkCore;
using TokensForge.Core.PriceGroups;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<PriceGroup> PriceGroups => Set<PriceGroup>();
    public DbSet<PriceGroupMember> PriceGroupMembers => Set<PriceGroupMember>();
}
