using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DailyRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "daily_rollups",
                columns: table => new
                {
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Route = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Bucket = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Requests = table.Column<int>(type: "INTEGER", nullable: false),
                    Failed = table.Column<int>(type: "INTEGER", nullable: false),
                    Partial = table.Column<int>(type: "INTEGER", nullable: false),
                    PromptTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CompletionTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    Cost = table.Column<long>(type: "INTEGER", nullable: false),
                    SponsoredCost = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_daily_rollups", x => new { x.Day, x.UserId, x.Model, x.Route, x.Bucket });
                });

            migrationBuilder.CreateTable(
                name: "rollup_state",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    CompleteBefore = table.Column<DateOnly>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollup_state", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "rollup_state",
                columns: new[] { "Id", "CompleteBefore" },
                values: new object[] { 1, null });

            migrationBuilder.CreateIndex(
                name: "IX_daily_rollups_UserId_Day",
                table: "daily_rollups",
                columns: new[] { "UserId", "Day" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "daily_rollups");

            migrationBuilder.DropTable(
                name: "rollup_state");
        }
    }
}
