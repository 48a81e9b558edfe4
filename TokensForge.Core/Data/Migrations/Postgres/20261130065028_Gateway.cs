using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Gateway : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "api_key_change_stamp",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_key_change_stamp", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Prefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastUsedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RevokedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    AllowedModels = table.Column<string[]>(type: "text[]", nullable: false),
                    SpendLimit = table.Column<long>(type: "bigint", nullable: true),
                    Spent = table.Column<long>(type: "bigint", nullable: false),
                    SpendReserved = table.Column<long>(type: "bigint", nullable: false),
                    RoutePreference = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    RequestsPerMinute = table.Column<int>(type: "integer", nullable: true),
                    RateWindowStart = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RateWindowCount = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_keys", x => x.Id);
                    table.CheckConstraint("ck_api_keys_spend_non_negative", "\"Spent\" >= 0 AND \"SpendReserved\" >= 0");
                    table.CheckConstraint("ck_api_keys_spend_within_limit", "\"SpendLimit\" IS NULL OR \"Spent\" + \"SpendReserved\" <= \"SpendLimit\"");
                    table.ForeignKey(
                        name: "FK_api_keys_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "idempotency_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    RequestHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ReceiptId = table.Column<Guid>(type: "uuid", nullable: false),
                    Stream = table.Column<bool>(type: "boolean", nullable: false),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StatusCode = table.Column<int>(type: "integer", nullable: true),
                    ResponseBody = table.Column<string>(type: "text", nullable: true),
                    Cost = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_idempotency_records", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ContextWindow = table.Column<int>(type: "integer", nullable: false),
                    OwnedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_models", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "request_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    ApiKeyId = table.Column<Guid>(type: "uuid", nullable: true),
                    ApiKeyPrefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Endpoint = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Model = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    RouteId = table.Column<Guid>(type: "uuid", nullable: true),
                    RouteName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    RouteKind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Simulated = table.Column<bool>(type: "boolean", nullable: false),
                    PriceSnapshotId = table.Column<Guid>(type: "uuid", nullable: true),
                    PromptTokens = table.Column<int>(type: "integer", nullable: false),
                    CompletionTokens = table.Column<int>(type: "integer", nullable: false),
                    CachedTokens = table.Column<int>(type: "integer", nullable: false),
                    HoldAmount = table.Column<long>(type: "bigint", nullable: false),
                    Cost = table.Column<long>(type: "bigint", nullable: false),
                    LedgerTxId = table.Column<Guid>(type: "uuid", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Estimated = table.Column<bool>(type: "boolean", nullable: false),
                    Stream = table.Column<bool>(type: "boolean", nullable: false),
                    LatencyMs = table.Column<int>(type: "integer", nullable: false),
                    TimeToFirstTokenMs = table.Column<int>(type: "integer", nullable: true),
                    UpstreamStatus = table.Column<int>(type: "integer", nullable: true),
                    UpstreamError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ClientIp = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_records", x => x.Id);
                    table.CheckConstraint("ck_request_records_cost_non_negative", "\"Cost\" >= 0 AND \"HoldAmount\" >= 0");
                });

            migrationBuilder.CreateTable(
                name: "routes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    BaseUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    ProtectedUpstreamKey = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    Weight = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    TimeoutSeconds = table.Column<int>(type: "integer", nullable: false),
                    IsSimulated = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_routes", x => x.Id);
                    table.CheckConstraint("ck_routes_timeout_positive", "\"TimeoutSeconds\" > 0");
                });

            migrationBuilder.CreateTable(
                name: "request_charges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestRecordId = table.Column<Guid>(type: "uuid", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: false),
                    GrantId = table.Column<Guid>(type: "uuid", nullable: false),
                    BucketKey = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SourceLabel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    TransferId = table.Column<Guid>(type: "uuid", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_charges", x => x.Id);
                    table.CheckConstraint("ck_request_charges_amount_positive", "\"Amount\" > 0");
                    table.ForeignKey(
                        name: "FK_request_charges_request_records_RequestRecordId",
                        column: x => x.RequestRecordId,
                        principalTable: "request_records",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "price_snapshots",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    RouteId = table.Column<Guid>(type: "uuid", nullable: false),
                    ModelId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    InputPrice = table.Column<long>(type: "bigint", nullable: false),
                    OutputPrice = table.Column<long>(type: "bigint", nullable: false),
                    CachedInputPrice = table.Column<long>(type: "bigint", nullable: false),
                    EffectiveFrom = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_price_snapshots", x => x.Id);
                    table.CheckConstraint("ck_price_snapshots_prices_non_negative", "\"InputPrice\" >= 0 AND \"OutputPrice\" >= 0 AND \"CachedInputPrice\" >= 0");
                    table.ForeignKey(
                        name: "FK_price_snapshots_models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_price_snapshots_routes_RouteId",
                        column: x => x.RouteId,
                        principalTable: "routes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "route_models",
                columns: table => new
                {
                    RouteId = table.Column<Guid>(type: "uuid", nullable: false),
                    ModelId = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    UpstreamModelId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_route_models", x => new { x.RouteId, x.ModelId });
                    table.ForeignKey(
                        name: "FK_route_models_models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_route_models_routes_RouteId",
                        column: x => x.RouteId,
                        principalTable: "routes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "api_key_change_stamp",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_Hash",
                table: "api_keys",
                column: "Hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_Prefix",
                table: "api_keys",
                column: "Prefix");

            migrationBuilder.CreateIndex(
                name: "IX_api_keys_UserId_CreatedAt",
                table: "api_keys",
                columns: new[] { "UserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_idempotency_records_UserId_Key",
                table: "idempotency_records",
                columns: new[] { "UserId", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_price_snapshots_ModelId",
                table: "price_snapshots",
                column: "ModelId");

            migrationBuilder.CreateIndex(
                name: "IX_price_snapshots_RouteId_ModelId_EffectiveFrom",
                table: "price_snapshots",
                columns: new[] { "RouteId", "ModelId", "EffectiveFrom" });

            migrationBuilder.CreateIndex(
                name: "IX_request_charges_RequestRecordId_Position",
                table: "request_charges",
                columns: new[] { "RequestRecordId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_request_charges_TransferId",
                table: "request_charges",
                column: "TransferId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_request_records_ApiKeyId_CreatedAt",
                table: "request_records",
                columns: new[] { "ApiKeyId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_request_records_CreatedAt",
                table: "request_records",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_request_records_UserId_CreatedAt",
                table: "request_records",
                columns: new[] { "UserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_request_records_UserId_Status_CreatedAt",
                table: "request_records",
                columns: new[] { "UserId", "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_route_models_ModelId",
                table: "route_models",
                column: "ModelId");

            migrationBuilder.CreateIndex(
                name: "IX_routes_Name",
                table: "routes",
                column: "Name",
                unique: true);

            // Prices and receipts are never edited: a price change is a new snapshot, a receipt is written once with its charges.
            AppendOnlyTables.ProtectPostgres(migrationBuilder, "price_snapshots");
            AppendOnlyTables.ProtectPostgres(migrationBuilder, "request_records");
            AppendOnlyTables.ProtectPostgres(migrationBuilder, "request_charges");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            AppendOnlyTables.UnprotectPostgres(migrationBuilder, "price_snapshots");
            AppendOnlyTables.UnprotectPostgres(migrationBuilder, "request_records");
            AppendOnlyTables.UnprotectPostgres(migrationBuilder, "request_charges");

            migrationBuilder.DropTable(
                name: "api_key_change_stamp");

            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "idempotency_records");

            migrationBuilder.DropTable(
                name: "price_snapshots");

            migrationBuilder.DropTable(
                name: "request_charges");

            migrationBuilder.DropTable(
                name: "route_models");

            migrationBuilder.DropTable(
                name: "request_records");

            migrationBuilder.DropTable(
                name: "models");

            migrationBuilder.DropTable(
                name: "routes");
        }
    }
}
