using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Alerts;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<AlertSettings> AlertSettings => Set<AlertSettings>();
    public DbSet<Notice> Notices => Set<Notice>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
}
