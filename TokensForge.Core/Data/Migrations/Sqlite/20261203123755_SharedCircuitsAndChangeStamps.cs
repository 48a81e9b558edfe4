using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SharedCircuitsAndChangeStamps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_key_change_stamp");

            migrationBuilder.CreateTable(
                name: "change_stamps",
                columns: table => new
                {
                    Area = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_change_stamps", x => x.Area);
                });

            migrationBuilder.CreateTable(
                name: "route_circuits",
                columns: table => new
                {
                    RouteId = table.Column<Guid>(type: "TEXT", nullable: false),
                    IsOpen = table.Column<bool>(type: "INTEGER", nullable: false),
                    OpenUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    BlockedUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    ProbeOwner = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ProbeUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_route_circuits", x => x.RouteId);
                    table.ForeignKey(
                        name: "FK_route_circuits_routes_RouteId",
                        column: x => x.RouteId,
                        principalTable: "routes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "change_stamps",
                columns: new[] { "Area", "Version" },
                values: new object[,]
                {
                    { 1, 0L },
                    { 2, 0L }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "change_stamps");

            migrationBuilder.DropTable(
                name: "route_circuits");

            migrationBuilder.CreateTable(
                name: "api_key_change_stamp",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_key_change_stamp", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "api_key_change_stamp",
                columns: new[] { "Id", "Version" },
                values: new object[] { 1, 0L });
        }
    }
}
