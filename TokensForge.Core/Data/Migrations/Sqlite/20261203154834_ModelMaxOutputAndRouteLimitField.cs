using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ModelMaxOutputAndRouteLimitField : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "LimitField",
                table: "routes",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                // Routes saved before the field existed sent max_tokens.
                defaultValue: "MaxTokens");

            migrationBuilder.AddColumn<int>(
                name: "OutputCappedTo",
                table: "request_records",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MaxOutputTokens",
                table: "models",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LimitField",
                table: "routes");

            migrationBuilder.DropColumn(
                name: "OutputCappedTo",
                table: "request_records");

            migrationBuilder.DropColumn(
                name: "MaxOutputTokens",
                table: "models");
        }
    }
}
