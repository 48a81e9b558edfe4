using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PriceGroups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PriceGroup",
                table: "request_records",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PriceMultiplier",
                table: "request_records",
                type: "INTEGER",
                nullable: false,
                defaultValue: 10000);

            migrationBuilder.CreateTable(
                name: "price_groups",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RoutedMultiplier = table.Column<int>(type: "INTEGER", nullable: false),
                    OfficialMultiplier = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_price_groups", x => x.Id);
                    table.CheckConstraint("ck_price_groups_multipliers", "\"RoutedMultiplier\" BETWEEN 1000 AND 100000 AND \"OfficialMultiplier\" BETWEEN 1000 AND 100000");
                });

            migrationBuilder.CreateTable(
                name: "price_group_members",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    GroupId = table.Column<Guid>(type: "TEXT", nullable: false),
                    JoinedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_price_group_members", x => x.UserId);
                    table.ForeignKey(
                        name: "FK_price_group_members_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_price_group_members_price_groups_GroupId",
                        column: x => x.GroupId,
                        principalTable: "price_groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_price_group_members_GroupId",
                table: "price_group_members",
                column: "GroupId");

            migrationBuilder.CreateIndex(
                name: "IX_price_groups_Name",
                table: "price_groups",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "price_group_members");

            migrationBuilder.DropTable(
                name: "price_groups");

            migrationBuilder.DropColumn(
                name: "PriceGroup",
                table: "request_records");

            migrationBuilder.DropColumn(
                name: "PriceMultiplier",
                table: "request_records");
        }
    }
}
