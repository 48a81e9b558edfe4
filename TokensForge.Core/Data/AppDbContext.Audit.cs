using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Audit;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
}
