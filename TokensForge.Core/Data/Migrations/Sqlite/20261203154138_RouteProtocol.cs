using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RouteProtocol : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "NativeResponses",
                table: "routes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Protocol",
                table: "routes",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                // Routes saved before protocols existed all speak OpenAI's (RouteProtocol.OpenAi).
                defaultValue: "OpenAi");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "NativeResponses",
                table: "routes");

            migrationBuilder.DropColumn(
                name: "Protocol",
                table: "routes");
        }
    }
}
