using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RouteAnswerLimit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "MaxAnswerBytes",
                table: "routes",
                type: "integer",
                nullable: false,
                // Existing routes get the default limit (Route.DefaultMaxAnswerBytes, 16 MiB).
                defaultValue: 16 * 1024 * 1024);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MaxAnswerBytes",
                table: "routes");
        }
    }
}
