using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AdminCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_CampaignId",
                table: "redeem_codes");

            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_Code",
                table: "redeem_codes");

            migrationBuilder.AddColumn<Guid>(
                name: "BatchId",
                table: "redeem_codes",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastRedeemedAt",
                table: "redeem_codes",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_ClaimedAt",
                table: "redemptions",
                column: "ClaimedAt");

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_BatchId",
                table: "redeem_codes",
                column: "BatchId");

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_CampaignId_CreatedAt_Id",
                table: "redeem_codes",
                columns: new[] { "CampaignId", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_Code",
                table: "redeem_codes",
                column: "Code",
                unique: true)
                .Annotation("Npgsql:IndexOperators", new[] { "text_pattern_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_CreatedAt_Id",
                table: "redeem_codes",
                columns: new[] { "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_redemptions_ClaimedAt",
                table: "redemptions");

            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_BatchId",
                table: "redeem_codes");

            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_CampaignId_CreatedAt_Id",
                table: "redeem_codes");

            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_Code",
                table: "redeem_codes");

            migrationBuilder.DropIndex(
                name: "IX_redeem_codes_CreatedAt_Id",
                table: "redeem_codes");

            migrationBuilder.DropColumn(
                name: "BatchId",
                table: "redeem_codes");

            migrationBuilder.DropColumn(
                name: "LastRedeemedAt",
                table: "redeem_codes");

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_CampaignId",
                table: "redeem_codes",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_Code",
                table: "redeem_codes",
                column: "Code",
                unique: true);
        }
    }
}
