using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <summary>
    /// Brings SQLite's <c>ck_price_snapshots_prices_non_negative</c> up to the model (and PostgreSQL): the cache-write
    /// prices must not be negative either. SQLite changes a CHECK only by rebuilding the table. EF's own rebuild turns
    /// foreign keys off, which cannot happen inside a transaction (a crash midway would leave the table half-built, and
    /// start-up warns about it); nothing references price_snapshots, so the rebuild here runs in the migration's
    /// transaction with foreign keys on, and puts back the indexes and the append-only triggers the drop takes with it.
    /// A row with a negative cache-write price (none can be written through the app) makes the migration fail whole.
    /// </summary>
    public partial class SqlitePriceCheckCoversCacheWrites : Migration
    {
        private const string Before = "\"InputPrice\" >= 0 AND \"OutputPrice\" >= 0 AND \"CachedInputPrice\" >= 0";

        private const string After = Before
            + " AND (\"CacheWrite5mPrice\" IS NULL OR \"CacheWrite5mPrice\" >= 0) AND (\"CacheWrite1hPrice\" IS NULL OR \"CacheWrite1hPrice\" >= 0)";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, After);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, Before);

        private static void Rebuild(MigrationBuilder migrationBuilder, string check)
        {
            migrationBuilder.Sql($"""
                CREATE TABLE "ef_temp_price_snapshots" (
                    "Id" TEXT NOT NULL CONSTRAINT "PK_price_snapshots" PRIMARY KEY,
                    "RouteId" TEXT NOT NULL,
                    "ModelId" TEXT NOT NULL,
                    "InputPrice" INTEGER NOT NULL,
                    "OutputPrice" INTEGER NOT NULL,
                    "CachedInputPrice" INTEGER NOT NULL,
                    "EffectiveFrom" TEXT NOT NULL,
                    "CreatedBy" TEXT NOT NULL,
                    "CreatedAt" TEXT NOT NULL,
                    "CacheWrite1hPrice" INTEGER NULL,
                    "CacheWrite5mPrice" INTEGER NULL,
                    CONSTRAINT "ck_price_snapshots_prices_non_negative" CHECK ({check}),
                    CONSTRAINT "FK_price_snapshots_models_ModelId" FOREIGN KEY ("ModelId") REFERENCES "models" ("Id") ON DELETE RESTRICT,
                    CONSTRAINT "FK_price_snapshots_routes_RouteId" FOREIGN KEY ("RouteId") REFERENCES "routes" ("Id") ON DELETE RESTRICT
                );
                """);
            migrationBuilder.Sql("""
                INSERT INTO "ef_temp_price_snapshots" ("Id", "RouteId", "ModelId", "InputPrice", "OutputPrice", "CachedInputPrice", "EffectiveFrom",
                    "CreatedBy", "CreatedAt", "CacheWrite1hPrice", "CacheWrite5mPrice")
                SELECT "Id", "RouteId", "ModelId", "InputPrice", "OutputPrice", "CachedInputPrice", "EffectiveFrom",
                    "CreatedBy", "CreatedAt", "CacheWrite1hPrice", "CacheWrite5mPrice"
                FROM "price_snapshots";
                """);
            // DROP TABLE fires no triggers, and takes the table's own triggers and indexes with it.
            migrationBuilder.Sql("DROP TABLE \"price_snapshots\";");
            migrationBuilder.Sql("ALTER TABLE \"ef_temp_price_snapshots\" RENAME TO \"price_snapshots\";");
            migrationBuilder.Sql("CREATE INDEX \"IX_price_snapshots_ModelId\" ON \"price_snapshots\" (\"ModelId\");");
            migrationBuilder.Sql("CREATE INDEX \"IX_price_snapshots_RouteId_ModelId_EffectiveFrom\" ON \"price_snapshots\" (\"RouteId\", \"ModelId\", \"EffectiveFrom\");");
            AppendOnlyTables.ProtectSqlite(migrationBuilder, "price_snapshots");
        }
    }
}
