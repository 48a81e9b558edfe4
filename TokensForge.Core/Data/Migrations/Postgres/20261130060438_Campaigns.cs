using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Campaigns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "campaigns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    BucketKey = table.Column<string>(type: "character varying(32)", nullable: false),
                    AmountPerClaim = table.Column<long>(type: "bigint", nullable: false),
                    ExpiryRule = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreditExpiresOn = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CreditExpiryDays = table.Column<int>(type: "integer", nullable: true),
                    StartsAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndsAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ClaimLimitPerAccount = table.Column<int>(type: "integer", nullable: false),
                    Budget = table.Column<long>(type: "bigint", nullable: true),
                    FundingAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Notes = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_campaigns", x => x.Id);
                    table.CheckConstraint("ck_campaigns_amount_positive", "\"AmountPerClaim\" > 0");
                    table.CheckConstraint("ck_campaigns_budget_positive", "\"Budget\" IS NULL OR \"Budget\" > 0");
                    table.CheckConstraint("ck_campaigns_claim_limit_positive", "\"ClaimLimitPerAccount\" >= 1");
                    table.ForeignKey(
                        name: "FK_campaigns_buckets_BucketKey",
                        column: x => x.BucketKey,
                        principalTable: "buckets",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_campaigns_ledger_accounts_FundingAccountId",
                        column: x => x.FundingAccountId,
                        principalTable: "ledger_accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "code_attempts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    ClientIp = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Input = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AttemptedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Outcome = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_code_attempts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "redeem_codes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CampaignId = table.Column<Guid>(type: "uuid", nullable: false),
                    Code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    MaxRedemptions = table.Column<int>(type: "integer", nullable: false),
                    RedemptionCount = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    DisabledBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    DisabledAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_redeem_codes", x => x.Id);
                    table.CheckConstraint("ck_redeem_codes_count_within_max", "\"RedemptionCount\" >= 0 AND \"RedemptionCount\" <= \"MaxRedemptions\"");
                    table.CheckConstraint("ck_redeem_codes_max_positive", "\"MaxRedemptions\" >= 1");
                    table.ForeignKey(
                        name: "FK_redeem_codes_campaigns_CampaignId",
                        column: x => x.CampaignId,
                        principalTable: "campaigns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "redemptions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CampaignId = table.Column<Guid>(type: "uuid", nullable: false),
                    CodeId = table.Column<Guid>(type: "uuid", nullable: true),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    ClaimNumber = table.Column<int>(type: "integer", nullable: false),
                    BucketKey = table.Column<string>(type: "character varying(32)", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    ClaimedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    GrantId = table.Column<Guid>(type: "uuid", nullable: false),
                    TransferId = table.Column<Guid>(type: "uuid", nullable: false),
                    TxId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreditExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PaysOfficial = table.Column<bool>(type: "boolean", nullable: false),
                    PaysRouted = table.Column<bool>(type: "boolean", nullable: false),
                    ClientIp = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_redemptions", x => x.Id);
                    table.CheckConstraint("ck_redemptions_amount_positive", "\"Amount\" > 0");
                    table.CheckConstraint("ck_redemptions_claim_number_positive", "\"ClaimNumber\" >= 1");
                    table.ForeignKey(
                        name: "FK_redemptions_buckets_BucketKey",
                        column: x => x.BucketKey,
                        principalTable: "buckets",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_redemptions_campaigns_CampaignId",
                        column: x => x.CampaignId,
                        principalTable: "campaigns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_redemptions_credit_grants_GrantId",
                        column: x => x.GrantId,
                        principalTable: "credit_grants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_redemptions_redeem_codes_CodeId",
                        column: x => x.CodeId,
                        principalTable: "redeem_codes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_redemptions_transfers_TransferId",
                        column: x => x.TransferId,
                        principalTable: "transfers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_campaigns_BucketKey",
                table: "campaigns",
                column: "BucketKey");

            migrationBuilder.CreateIndex(
                name: "IX_campaigns_FundingAccountId",
                table: "campaigns",
                column: "FundingAccountId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_campaigns_Kind_Status",
                table: "campaigns",
                columns: new[] { "Kind", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_code_attempts_ClientIp_AttemptedAt",
                table: "code_attempts",
                columns: new[] { "ClientIp", "AttemptedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_code_attempts_UserId_AttemptedAt",
                table: "code_attempts",
                columns: new[] { "UserId", "AttemptedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_CampaignId",
                table: "redeem_codes",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_redeem_codes_Code",
                table: "redeem_codes",
                column: "Code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_BucketKey",
                table: "redemptions",
                column: "BucketKey");

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_CampaignId_UserId_ClaimNumber",
                table: "redemptions",
                columns: new[] { "CampaignId", "UserId", "ClaimNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_CodeId",
                table: "redemptions",
                column: "CodeId");

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_GrantId",
                table: "redemptions",
                column: "GrantId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_TransferId",
                table: "redemptions",
                column: "TransferId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_redemptions_UserId_ClaimedAt",
                table: "redemptions",
                columns: new[] { "UserId", "ClaimedAt" });

            // Redemption rows are history: never changed or deleted.
            AppendOnlyTables.ProtectPostgres(migrationBuilder, "redemptions");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            AppendOnlyTables.UnprotectPostgres(migrationBuilder, "redemptions");

            migrationBuilder.DropTable(
                name: "code_attempts");

            migrationBuilder.DropTable(
                name: "redemptions");

            migrationBuilder.DropTable(
                name: "redeem_codes");

            migrationBuilder.DropTable(
                name: "campaigns");
        }
    }
}
