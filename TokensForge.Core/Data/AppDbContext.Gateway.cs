using Microsoft.EntityFrameworkCore;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ApiKeyReservation> ApiKeyReservations => Set<ApiKeyReservation>();
    public DbSet<ApiKeyLease> ApiKeyLeases => Set<ApiKeyLease>();
    public DbSet<ChangeStamp> ChangeStamps => Set<ChangeStamp>();
    public DbSet<RouteCircuit> RouteCircuits => Set<RouteCircuit>();
    public DbSet<ModelInfo> Models => Set<ModelInfo>();
    public DbSet<Route> Routes => Set<Route>();
    public DbSet<PriceSnapshot> PriceSnapshots => Set<PriceSnapshot>();
    public DbSet<RequestRecord> RequestRecords => Set<RequestRecord>();
    public DbSet<RequestCharge> RequestCharges => Set<RequestCharge>();
    public DbSet<RequestAttempt> RequestAttempts => Set<RequestAttempt>();
    public DbSet<DailyRollup> DailyRollups => Set<DailyRollup>();
    public DbSet<RollupState> RollupStates => Set<RollupState>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<DataProtectionKeyRecord> DataProtectionKeys => Set<DataProtectionKeyRecord>();
}
