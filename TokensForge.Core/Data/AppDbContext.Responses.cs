using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Gateway.Responses;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<StoredResponse> StoredResponses => Set<StoredResponse>();
}
