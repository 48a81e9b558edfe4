using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CacheAndReasoningPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_price_snapshots_prices_non_negative",
                table: "price_snapshots");

            migrationBuilder.AddColumn<int>(
                name: "CacheWrite1hTokens",
                table: "request_records",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "CacheWrite5mTokens",
                table: "request_records",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ReasoningTokens",
                table: "request_records",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "CacheWrite1hPrice",
                table: "price_snapshots",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CacheWrite5mPrice",
                table: "price_snapshots",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_price_snapshots_prices_non_negative",
                table: "price_snapshots",
                sql: "\"InputPrice\" >= 0 AND \"OutputPrice\" >= 0 AND \"CachedInputPrice\" >= 0 AND (\"CacheWrite5mPrice\" IS NULL OR \"CacheWrite5mPrice\" >= 0) AND (\"CacheWrite1hPrice\" IS NULL OR \"CacheWrite1hPrice\" >= 0)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_price_snapshots_prices_non_negative",
                table: "price_snapshots");

            migrationBuilder.DropColumn(
                name: "CacheWrite1hTokens",
                table: "request_records");

            migrationBuilder.DropColumn(
                name: "CacheWrite5mTokens",
                table: "request_records");

            migrationBuilder.DropColumn(
                name: "ReasoningTokens",
                table: "request_records");

            migrationBuilder.DropColumn(
                name: "CacheWrite1hPrice",
                table: "price_snapshots");

            migrationBuilder.DropColumn(
                name: "CacheWrite5mPrice",
                table: "price_snapshots");

            migrationBuilder.AddCheckConstraint(
                name: "ck_price_snapshots_prices_non_negative",
                table: "price_snapshots",
                sql: "\"InputPrice\" >= 0 AND \"OutputPrice\" >= 0 AND \"CachedInputPrice\" >= 0");
        }
    }
}
