using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CacheAndReasoningPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The cache-write prices are not added to ck_price_snapshots_prices_non_negative here: SQLite changes a CHECK
            // only by rebuilding the table, and the rebuild drops price_snapshots' append-only triggers. RouteAdministration
            // refuses negative prices, and PostgreSQL checks them in the database.

            migrationBuilder.AddColumn<int>(
                name: "CacheWrite1hTokens",
                table: "request_records",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "CacheWrite5mTokens",
                table: "request_records",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "ReasoningTokens",
                table: "request_records",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "CacheWrite1hPrice",
                table: "price_snapshots",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CacheWrite5mPrice",
                table: "price_snapshots",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
        }
    }
}
