using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ReceiptStatusIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_request_records_Status_CreatedAt",
                table: "request_records",
                columns: new[] { "Status", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_request_records_Status_CreatedAt",
                table: "request_records");
        }
    }
}
