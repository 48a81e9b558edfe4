using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Routing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "ConnectTimeoutSeconds",
                table: "routes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 10);

            migrationBuilder.AddColumn<int>(
                name: "TotalTimeoutSeconds",
                table: "routes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 600);

            migrationBuilder.AddColumn<DateTime>(
                name: "UpdatedAt",
                table: "routes",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.CreateTable(
                name: "request_attempts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestRecordId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    RouteId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RouteName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    RouteKind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    PriceSnapshotId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Result = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    UpstreamStatus = table.Column<int>(type: "INTEGER", nullable: true),
                    Error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    LatencyMs = table.Column<int>(type: "INTEGER", nullable: false),
                    TimeToFirstTokenMs = table.Column<int>(type: "INTEGER", nullable: true),
                    Charged = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_request_attempts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_request_attempts_request_records_RequestRecordId",
                        column: x => x.RequestRecordId,
                        principalTable: "request_records",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_routes_connect_timeout_positive",
                table: "routes",
                sql: "\"ConnectTimeoutSeconds\" > 0");

            migrationBuilder.AddCheckConstraint(
                name: "ck_routes_total_timeout_positive",
                table: "routes",
                sql: "\"TotalTimeoutSeconds\" > 0");

            migrationBuilder.CreateIndex(
                name: "IX_request_attempts_RequestRecordId_Position",
                table: "request_attempts",
                columns: new[] { "RequestRecordId", "Position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_request_attempts_RouteId",
                table: "request_attempts",
                column: "RouteId");

            migrationBuilder.Sql("UPDATE routes SET \"UpdatedAt\" = \"CreatedAt\";");
            // Attempts are facts of a receipt: written once with it, never changed (after a squash: AppendOnlyTables.Tables).
            AppendOnlyTables.ProtectSqlite(migrationBuilder, "request_attempts");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            AppendOnlyTables.UnprotectSqlite(migrationBuilder, "request_attempts");

            migrationBuilder.DropTable(
                name: "request_attempts");

            migrationBuilder.DropCheckConstraint(
                name: "ck_routes_connect_timeout_positive",
                table: "routes");

            migrationBuilder.DropCheckConstraint(
                name: "ck_routes_total_timeout_positive",
                table: "routes");

            migrationBuilder.DropColumn(
                name: "ConnectTimeoutSeconds",
                table: "routes");

            migrationBuilder.DropColumn(
                name: "TotalTimeoutSeconds",
                table: "routes");

            migrationBuilder.DropColumn(
                name: "UpdatedAt",
                table: "routes");
        }
    }
}
