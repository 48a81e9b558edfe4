using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Research;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<ResearchAllowanceDay> ResearchAllowanceDays => Set<ResearchAllowanceDay>();
}
