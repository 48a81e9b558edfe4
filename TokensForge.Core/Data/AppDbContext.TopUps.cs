using Microsoft.EntityFrameworkCore;
using TokensForge.Core.TopUps;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<TopUpOrder> TopUpOrders => Set<TopUpOrder>();
    public DbSet<PaymentEvent> PaymentEvents => Set<PaymentEvent>();
}
