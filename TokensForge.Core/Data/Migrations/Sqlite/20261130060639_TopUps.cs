using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TopUps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "top_up_orders",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    BucketKey = table.Column<string>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ProviderReference = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PaidAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreditedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FailedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RefundedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FailureReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    GrantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreditTransferId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RefundedAmount = table.Column<long>(type: "INTEGER", nullable: false),
                    UnrecoveredAmount = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundTransferId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ConfirmedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_top_up_orders", x => x.Id);
                    table.CheckConstraint("ck_top_up_orders_amount_positive", "\"Amount\" > 0");
                    table.CheckConstraint("ck_top_up_orders_refund_within_amount", "\"RefundedAmount\" >= 0 AND \"UnrecoveredAmount\" >= 0 AND \"RefundedAmount\" + \"UnrecoveredAmount\" <= \"Amount\"");
                    table.ForeignKey(
                        name: "FK_top_up_orders_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_top_up_orders_buckets_BucketKey",
                        column: x => x.BucketKey,
                        principalTable: "buckets",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_top_up_orders_credit_grants_GrantId",
                        column: x => x.GrantId,
                        principalTable: "credit_grants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "payment_events",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    EventId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    PayloadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_payment_events", x => x.Id);
                    table.ForeignKey(
                        name: "FK_payment_events_top_up_orders_OrderId",
                        column: x => x.OrderId,
                        principalTable: "top_up_orders",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_payment_events_OrderId",
                table: "payment_events",
                column: "OrderId");

            migrationBuilder.CreateIndex(
                name: "IX_payment_events_Provider_EventId",
                table: "payment_events",
                columns: new[] { "Provider", "EventId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_BucketKey",
                table: "top_up_orders",
                column: "BucketKey");

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_CreatedAt",
                table: "top_up_orders",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_GrantId",
                table: "top_up_orders",
                column: "GrantId");

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_Reference",
                table: "top_up_orders",
                column: "Reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_Status_CreatedAt",
                table: "top_up_orders",
                columns: new[] { "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_top_up_orders_UserId_CreatedAt",
                table: "top_up_orders",
                columns: new[] { "UserId", "CreatedAt" });

            AppendOnlyTables.ProtectSqlite(migrationBuilder, "payment_events");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            AppendOnlyTables.UnprotectSqlite(migrationBuilder, "payment_events");

            migrationBuilder.DropTable(
                name: "payment_events");

            migrationBuilder.DropTable(
                name: "top_up_orders");
        }
    }
}
