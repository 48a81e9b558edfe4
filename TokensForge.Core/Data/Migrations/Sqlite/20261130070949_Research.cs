using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Research : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "research_allowance_days",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Requests = table.Column<int>(type: "INTEGER", nullable: false),
                    Spent = table.Column<long>(type: "INTEGER", nullable: false),
                    Reserved = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_research_allowance_days", x => new { x.UserId, x.Day });
                    table.CheckConstraint("ck_research_allowance_days_non_negative", "\"Requests\" >= 0 AND \"Spent\" >= 0 AND \"Reserved\" >= 0");
                    table.ForeignKey(
                        name: "FK_research_allowance_days_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "research_allowance_days");
        }
    }
}
