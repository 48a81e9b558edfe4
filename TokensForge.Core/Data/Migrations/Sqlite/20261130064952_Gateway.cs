using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_key_change_stamp", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastUsedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    AllowedModels = table.Column<string>(type: "TEXT", nullable: false),
                    SpendLimit = table.Column<long>(type: "INTEGER", nullable: true),
                    Spent = table.Column<long>(type: "INTEGER", nullable: false),
                    SpendReserved = table.Column<long>(type: "INTEGER", nullable: false),
                    RoutePreference = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RequestsPerMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    RateWindowStart = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RateWindowCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Xml = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "idempotency_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ReceiptId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Stream = table.Column<bool>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StatusCode = table.Column<int>(type: "INTEGER", nullable: true),
                    ResponseBody = table.Column<string>(type: "TEXT", nullable: true),
                    Cost = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_idempotency_records", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "models",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ContextWindow = table.Column<int>(type: "INTEGER", nullable: false),
                    OwnedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_models", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "request_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    ApiKeyId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ApiKeyPrefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    RouteId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RouteName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    RouteKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Simulated = table.Column<bool>(type: "INTEGER", nullable: false),
                    PriceSnapshotId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PromptTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletionTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    CachedTokens = table.Column<int>(type: "INTEGER", nullable: false),
                    HoldAmount = table.Column<long>(type: "INTEGER", nullable: false),
                    Cost = table.Column<long>(type: "INTEGER", nullable: false),
                    LedgerTxId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Estimated = table.Column<bool>(type: "INTEGER", nullable: false),
                    Stream = table.Column<bool>(type: "INTEGER", nullable: false),
                    LatencyMs = table.Column<int>(type: "INTEGER", nullable: false),
                    TimeToFirstTokenMs = table.Column<int>(type: "INTEGER", nullable: true),
                    UpstreamStatus = table.Column<int>(type: "INTEGER", nullable: true),
                    UpstreamError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ClientIp = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    BaseUrl = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ProtectedUpstreamKey = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    Weight = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    TimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    IsSimulated = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestRecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    GrantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    BucketKey = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SourceLabel = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    TransferId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RouteId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ModelId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    InputPrice = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputPrice = table.Column<long>(type: "INTEGER", nullable: false),
                    CachedInputPrice = table.Column<long>(type: "INTEGER", nullable: false),
                    EffectiveFrom = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    RouteId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ModelId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    UpstreamModelId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
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
            AppendOnlyTables.ProtectSqlite(migrationBuilder, "price_snapshots");
            AppendOnlyTables.ProtectSqlite(migrationBuilder, "request_records");
            AppendOnlyTables.ProtectSqlite(migrationBuilder, "request_charges");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            AppendOnlyTables.UnprotectSqlite(migrationBuilder, "price_snapshots");
            AppendOnlyTables.UnprotectSqlite(migrationBuilder, "request_records");
            AppendOnlyTables.UnprotectSqlite(migrationBuilder, "request_charges");

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
