using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.ApiKeys;
using TokensForge.Core.Gateway;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Core.Routing.Health;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_keys", t =>
        {
            // Backstops for the conditional updates of ApiKeySpend: spend never passes the limit.
            t.HasCheckConstraint("ck_api_keys_spend_non_negative", "\"Spent\" >= 0 AND \"SpendReserved\" >= 0");
            t.HasCheckConstraint("ck_api_keys_spend_within_limit", "\"SpendLimit\" IS NULL OR \"Spent\" + \"SpendReserved\" <= \"SpendLimit\"");
        });
        b.HasKey(x => x.Id);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Name).HasMaxLength(100);
        b.Property(x => x.Prefix).HasMaxLength(16);
        b.Property(x => x.Hash).HasMaxLength(64);
        b.Property(x => x.RevokedBy).HasMaxLength(256);
        b.Property(x => x.RoutePreference).HasConversion<string>().HasMaxLength(16);
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.Prefix);
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
        b.Ignore(x => x.IsRevoked);
    }
}

internal sealed class ApiKeyReservationConfiguration : IEntityTypeConfiguration<ApiKeyReservation>
{
    public void Configure(EntityTypeBuilder<ApiKeyReservation> b)
    {
        b.ToTable("api_key_reservations", t => t.HasCheckConstraint("ck_api_key_reservations_amount_positive", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.HasOne<ApiKey>().WithMany().HasForeignKey(x => x.KeyId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.ExpiresAt);
    }
}

internal sealed class ApiKeyLeaseConfiguration : IEntityTypeConfiguration<ApiKeyLease>
{
    public void Configure(EntityTypeBuilder<ApiKeyLease> b)
    {
        b.ToTable("api_key_leases");
        b.HasKey(x => x.Id);
        b.HasOne<ApiKey>().WithMany().HasForeignKey(x => x.KeyId).OnDelete(DeleteBehavior.Cascade);
        // Admission counts a key's unexpired leases.
        b.HasIndex(x => new { x.KeyId, x.ExpiresAt });
        b.HasIndex(x => x.ExpiresAt);
    }
}

internal sealed class ChangeStampConfiguration : IEntityTypeConfiguration<ChangeStamp>
{
    public void Configure(EntityTypeBuilder<ChangeStamp> b)
    {
        b.ToTable("change_stamps");
        b.HasKey(x => x.Area);
        b.Property(x => x.Area).HasConversion<int>().ValueGeneratedNever();
        b.HasData(Enum.GetValues<ChangeArea>().Select(area => new { Area = area, Version = 0L }));
    }
}

internal sealed class RouteCircuitConfiguration : IEntityTypeConfiguration<RouteCircuit>
{
    public void Configure(EntityTypeBuilder<RouteCircuit> b)
    {
        b.ToTable("route_circuits");
        b.HasKey(x => x.RouteId);
        b.HasOne<Route>().WithMany().HasForeignKey(x => x.RouteId).OnDelete(DeleteBehavior.Cascade);
        b.Property(x => x.Reason).HasMaxLength(300);
        b.Property(x => x.ProbeOwner).HasMaxLength(64);
    }
}

internal sealed class ModelInfoConfiguration : IEntityTypeConfiguration<ModelInfo>
{
    public void Configure(EntityTypeBuilder<ModelInfo> b)
    {
        b.ToTable("models");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(100);
        b.Property(x => x.DisplayName).HasMaxLength(200);
        b.Property(x => x.OwnedBy).HasMaxLength(100);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class RouteConfiguration : IEntityTypeConfiguration<Route>
{
    public void Configure(EntityTypeBuilder<Route> b)
    {
        b.ToTable("routes", t =>
        {
            t.HasCheckConstraint("ck_routes_timeout_positive", "\"TimeoutSeconds\" > 0");
            t.HasCheckConstraint("ck_routes_connect_timeout_positive", "\"ConnectTimeoutSeconds\" > 0");
            t.HasCheckConstraint("ck_routes_total_timeout_positive", "\"TotalTimeoutSeconds\" > 0");
            // MaxAnswerBytes has none: adding a CHECK on SQLite rebuilds the table outside the migration's transaction, and
            // its range is RouteAdministration's to enforce (the column's default covers routes saved before it existed).
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(100);
        b.HasIndex(x => x.Name).IsUnique();
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Protocol).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.BaseUrl).HasMaxLength(500);
        b.Property(x => x.ProtectedUpstreamKey).HasMaxLength(2000);
        b.Property(x => x.LimitField).HasConversion<string>().HasMaxLength(32);
        b.HasMany(x => x.Models).WithOne().HasForeignKey(x => x.RouteId).OnDelete(DeleteBehavior.Cascade);
        b.Navigation(x => x.Models).HasField("_models").UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class RouteModelConfiguration : IEntityTypeConfiguration<RouteModel>
{
    public void Configure(EntityTypeBuilder<RouteModel> b)
    {
        b.ToTable("route_models");
        b.HasKey(x => new { x.RouteId, x.ModelId });
        b.Property(x => x.ModelId).HasMaxLength(100);
        b.Property(x => x.UpstreamModelId).HasMaxLength(200);
        b.HasOne<ModelInfo>().WithMany().HasForeignKey(x => x.ModelId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PriceSnapshotConfiguration : IEntityTypeConfiguration<PriceSnapshot>
{
    public void Configure(EntityTypeBuilder<PriceSnapshot> b)
    {
        b.ToTable("price_snapshots", t => t.HasCheckConstraint("ck_price_snapshots_prices_non_negative",
            "\"InputPrice\" >= 0 AND \"OutputPrice\" >= 0 AND \"CachedInputPrice\" >= 0"
            + " AND (\"CacheWrite5mPrice\" IS NULL OR \"CacheWrite5mPrice\" >= 0) AND (\"CacheWrite1hPrice\" IS NULL OR \"CacheWrite1hPrice\" >= 0)"));
        b.HasKey(x => x.Id);
        b.Property(x => x.ModelId).HasMaxLength(100);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.HasOne<Route>().WithMany().HasForeignKey(x => x.RouteId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<ModelInfo>().WithMany().HasForeignKey(x => x.ModelId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => new { x.RouteId, x.ModelId, x.EffectiveFrom });
    }
}

internal sealed class RequestRecordConfiguration : IEntityTypeConfiguration<RequestRecord>
{
    public void Configure(EntityTypeBuilder<RequestRecord> b)
    {
        b.ToTable("request_records", t => t.HasCheckConstraint("ck_request_records_cost_non_negative", "\"Cost\" >= 0 AND \"HoldAmount\" >= 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.RequestId).HasMaxLength(64);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.ApiKeyPrefix).HasMaxLength(16);
        b.Property(x => x.Endpoint).HasMaxLength(32);
        b.Property(x => x.Model).HasMaxLength(100);
        b.Property(x => x.PriceGroup).HasMaxLength(64);
        b.Property(x => x.PriceMultiplier).HasDefaultValue(PriceGroups.PriceGroup.OneTimes);
        b.Property(x => x.RouteName).HasMaxLength(100);
        b.Property(x => x.Reason).HasMaxLength(32);
        b.Property(x => x.UpstreamError).HasMaxLength(500);
        b.Property(x => x.ClientIp).HasMaxLength(64);
        b.Property(x => x.Source).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.RouteKind).HasConversion<string>().HasMaxLength(16);
        b.HasMany(x => x.Charges).WithOne().HasForeignKey(x => x.RequestRecordId).OnDelete(DeleteBehavior.Restrict);
        b.Navigation(x => x.Charges).HasField("_charges").UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasMany(x => x.Attempts).WithOne().HasForeignKey(x => x.RequestRecordId).OnDelete(DeleteBehavior.Restrict);
        b.Navigation(x => x.Attempts).HasField("_attempts").UsePropertyAccessMode(PropertyAccessMode.Field);
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
        b.HasIndex(x => new { x.UserId, x.Status, x.CreatedAt });
        b.HasIndex(x => new { x.ApiKeyId, x.CreatedAt });
        b.HasIndex(x => x.CreatedAt);
        // Everyone's failed requests, newest first (the admin's grid): without it, a scan of every user's index (bench/EXPLAIN.md).
        b.HasIndex(x => new { x.Status, x.CreatedAt });
    }
}

internal sealed class RequestChargeConfiguration : IEntityTypeConfiguration<RequestCharge>
{
    public void Configure(EntityTypeBuilder<RequestCharge> b)
    {
        b.ToTable("request_charges", t => t.HasCheckConstraint("ck_request_charges_amount_positive", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.BucketKey).HasMaxLength(32);
        b.Property(x => x.SourceLabel).HasMaxLength(200);
        b.HasIndex(x => new { x.RequestRecordId, x.Position }).IsUnique();
        b.HasIndex(x => x.TransferId).IsUnique();
    }
}

internal sealed class RequestAttemptConfiguration : IEntityTypeConfiguration<RequestAttempt>
{
    public void Configure(EntityTypeBuilder<RequestAttempt> b)
    {
        b.ToTable("request_attempts");
        b.HasKey(x => x.Id);
        b.Property(x => x.RouteName).HasMaxLength(100);
        b.Property(x => x.RouteKind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Result).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Error).HasMaxLength(RequestAttempt.MaxErrorLength);
        b.HasIndex(x => new { x.RequestRecordId, x.Position }).IsUnique();
        // The health dashboard and admins look up a route's recent attempts.
        b.HasIndex(x => x.RouteId);
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_records");
        b.HasKey(x => x.Id);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Key).HasMaxLength(255);
        b.Property(x => x.RequestHash).HasMaxLength(64);
        b.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
        // One first request per user and key, whatever the concurrency: the insert that loses gets a unique violation.
        b.HasIndex(x => new { x.UserId, x.Key }).IsUnique();
    }
}

internal sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKeyRecord>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRecord> b)
    {
        b.ToTable("data_protection_keys");
        b.HasKey(x => x.Id);
        b.Property(x => x.FriendlyName).HasMaxLength(200);
    }
}

internal sealed class DailyRollupConfiguration : IEntityTypeConfiguration<DailyRollup>
{
    public void Configure(EntityTypeBuilder<DailyRollup> b)
    {
        b.ToTable("daily_rollups");
        b.HasKey(x => new { x.Day, x.UserId, x.Model, x.Route, x.Bucket });
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Model).HasMaxLength(200);
        b.Property(x => x.Route).HasMaxLength(200);
        b.Property(x => x.Bucket).HasMaxLength(64);
        b.Ignore(x => x.Key);
        // The admin overview reads whole days; the activity page one user's days.
        b.HasIndex(x => new { x.UserId, x.Day });
    }
}

internal sealed class RollupStateConfiguration : IEntityTypeConfiguration<RollupState>
{
    public void Configure(EntityTypeBuilder<RollupState> b)
    {
        b.ToTable("rollup_state");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).ValueGeneratedNever();
        b.HasData(new { Id = RollupState.SingletonId });
    }
}
