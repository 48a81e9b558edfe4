using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Budgets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "budgets",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Scope = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Period = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    Limit = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budgets", x => x.Id);
                    table.CheckConstraint("ck_budgets_limit_positive", "\"Limit\" > 0");
                    table.ForeignKey(
                        name: "FK_budgets_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "budget_reservations",
                columns: table => new
                {
                    ReservationId = table.Column<Guid>(type: "uuid", nullable: false),
                    BudgetId = table.Column<Guid>(type: "uuid", nullable: false),
                    WindowStart = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budget_reservations", x => new { x.ReservationId, x.BudgetId });
                    table.CheckConstraint("ck_budget_reservations_amount_positive", "\"Amount\" > 0");
                    table.ForeignKey(
                        name: "FK_budget_reservations_budgets_BudgetId",
                        column: x => x.BudgetId,
                        principalTable: "budgets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "budget_windows",
                columns: table => new
                {
                    BudgetId = table.Column<Guid>(type: "uuid", nullable: false),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Spent = table.Column<long>(type: "bigint", nullable: false),
                    Reserved = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_budget_windows", x => new { x.BudgetId, x.Start });
                    table.CheckConstraint("ck_budget_windows_non_negative", "\"Spent\" >= 0 AND \"Reserved\" >= 0");
                    table.ForeignKey(
                        name: "FK_budget_windows_budgets_BudgetId",
                        column: x => x.BudgetId,
                        principalTable: "budgets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_budget_reservations_BudgetId",
                table: "budget_reservations",
                column: "BudgetId");

            migrationBuilder.CreateIndex(
                name: "IX_budget_reservations_ExpiresAt",
                table: "budget_reservations",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_budgets_Scope_OwnerId_Period",
                table: "budgets",
                columns: new[] { "Scope", "OwnerId", "Period" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_budgets_UserId",
                table: "budgets",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "budget_reservations");

            migrationBuilder.DropTable(
                name: "budget_windows");

            migrationBuilder.DropTable(
                name: "budgets");
        }
    }
}
