using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Campaigns;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<RedeemCode> RedeemCodes => Set<RedeemCode>();
    public DbSet<Redemption> Redemptions => Set<Redemption>();
    public DbSet<CodeAttempt> CodeAttempts => Set<CodeAttempt>();
}
