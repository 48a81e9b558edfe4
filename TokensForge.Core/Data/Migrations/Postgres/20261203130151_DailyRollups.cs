using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
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
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Route = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Bucket = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Requests = table.Column<int>(type: "integer", nullable: false),
                    Failed = table.Column<int>(type: "integer", nullable: false),
                    Partial = table.Column<int>(type: "integer", nullable: false),
                    PromptTokens = table.Column<long>(type: "bigint", nullable: false),
                    CompletionTokens = table.Column<long>(type: "bigint", nullable: false),
                    Cost = table.Column<long>(type: "bigint", nullable: false),
                    SponsoredCost = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_daily_rollups", x => new { x.Day, x.UserId, x.Model, x.Route, x.Bucket });
                });

            migrationBuilder.CreateTable(
                name: "rollup_state",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false),
                    CompleteBefore = table.Column<DateOnly>(type: "date", nullable: true)
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
