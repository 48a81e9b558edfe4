using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace TokensForge.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AspNetRoles",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetRoles", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUsers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    UserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedUserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedEmail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    EmailConfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    PasswordHash = table.Column<string>(type: "text", nullable: true),
                    SecurityStamp = table.Column<string>(type: "text", nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "text", nullable: true),
                    PhoneNumber = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    PhoneNumberConfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    TwoFactorEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    LockoutEnd = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LockoutEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    AccessFailedCount = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUsers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    BeforeJson = table.Column<string>(type: "text", nullable: true),
                    AfterJson = table.Column<string>(type: "text", nullable: true),
                    Ip = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    PreviousHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_events", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "buckets",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    PaysOfficial = table.Column<bool>(type: "boolean", nullable: false),
                    PaysRouted = table.Column<bool>(type: "boolean", nullable: false),
                    SortOrder = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_buckets", x => x.Key);
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
                name: "ledger_accounts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Address = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: true),
                    DebitsMustNotExceedCredits = table.Column<bool>(type: "boolean", nullable: false),
                    DebitsPosted = table.Column<long>(type: "bigint", nullable: false),
                    CreditsPosted = table.Column<long>(type: "bigint", nullable: false),
                    DebitsPending = table.Column<long>(type: "bigint", nullable: false),
                    CreditsPending = table.Column<long>(type: "bigint", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger_accounts", x => x.Id);
                    table.CheckConstraint("ck_ledger_accounts_counters_non_negative", "\"DebitsPosted\" >= 0 AND \"CreditsPosted\" >= 0 AND \"DebitsPending\" >= 0 AND \"CreditsPending\" >= 0");
                    table.CheckConstraint("ck_ledger_accounts_debits_within_credits", "NOT \"DebitsMustNotExceedCredits\" OR \"DebitsPosted\" + \"DebitsPending\" <= \"CreditsPosted\"");
                });

            migrationBuilder.CreateTable(
                name: "AspNetRoleClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RoleId = table.Column<string>(type: "text", nullable: false),
                    ClaimType = table.Column<string>(type: "text", nullable: true),
                    ClaimValue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetRoleClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AspNetRoleClaims_AspNetRoles_RoleId",
                        column: x => x.RoleId,
                        principalTable: "AspNetRoles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    ClaimType = table.Column<string>(type: "text", nullable: true),
                    ClaimValue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AspNetUserClaims_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserLogins",
                columns: table => new
                {
                    LoginProvider = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ProviderKey = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ProviderDisplayName = table.Column<string>(type: "text", nullable: true),
                    UserId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserLogins", x => new { x.LoginProvider, x.ProviderKey });
                    table.ForeignKey(
                        name: "FK_AspNetUserLogins_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserPasskeys",
                columns: table => new
                {
                    CredentialId = table.Column<byte[]>(type: "bytea", maxLength: 1024, nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    Data = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserPasskeys", x => x.CredentialId);
                    table.ForeignKey(
                        name: "FK_AspNetUserPasskeys_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserRoles",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    RoleId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserRoles", x => new { x.UserId, x.RoleId });
                    table.ForeignKey(
                        name: "FK_AspNetUserRoles_AspNetRoles_RoleId",
                        column: x => x.RoleId,
                        principalTable: "AspNetRoles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AspNetUserRoles_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserTokens",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    LoginProvider = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Value = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserTokens", x => new { x.UserId, x.LoginProvider, x.Name });
                    table.ForeignKey(
                        name: "FK_AspNetUserTokens_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

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
                name: "credit_grants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    AccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    BucketKey = table.Column<string>(type: "character varying(32)", nullable: false),
                    Category = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SourceRef = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    SourceLabel = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    EffectiveAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    OriginalAmount = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_credit_grants", x => x.Id);
                    table.CheckConstraint("ck_credit_grants_amount_positive", "\"OriginalAmount\" > 0");
                    table.ForeignKey(
                        name: "FK_credit_grants_buckets_BucketKey",
                        column: x => x.BucketKey,
                        principalTable: "buckets",
                        principalColumn: "Key",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_credit_grants_ledger_accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "ledger_accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "transfers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TxId = table.Column<Guid>(type: "uuid", nullable: false),
                    DebitAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreditAccountId = table.Column<Guid>(type: "uuid", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    Code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Flags = table.Column<int>(type: "integer", nullable: false),
                    PendingId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ReversalOf = table.Column<Guid>(type: "uuid", nullable: true),
                    Reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Memo = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transfers", x => x.Id);
                    table.CheckConstraint("ck_transfers_amount_positive", "\"Amount\" > 0");
                    table.CheckConstraint("ck_transfers_distinct_accounts", "\"DebitAccountId\" <> \"CreditAccountId\"");
                    table.ForeignKey(
                        name: "FK_transfers_ledger_accounts_CreditAccountId",
                        column: x => x.CreditAccountId,
                        principalTable: "ledger_accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_transfers_ledger_accounts_DebitAccountId",
                        column: x => x.DebitAccountId,
                        principalTable: "ledger_accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
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
                name: "top_up_orders",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Reference = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    BucketKey = table.Column<string>(type: "character varying(32)", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    Provider = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ProviderReference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PaidAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CreditedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FailedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RefundedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FailureReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    GrantId = table.Column<Guid>(type: "uuid", nullable: true),
                    CreditTransferId = table.Column<Guid>(type: "uuid", nullable: true),
                    RefundedAmount = table.Column<long>(type: "bigint", nullable: false),
                    UnrecoveredAmount = table.Column<long>(type: "bigint", nullable: false),
                    RefundTransferId = table.Column<Guid>(type: "uuid", nullable: true),
                    ConfirmedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
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

            migrationBuilder.CreateTable(
                name: "payment_events",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Provider = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    EventId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    OrderId = table.Column<Guid>(type: "uuid", nullable: false),
                    Amount = table.Column<long>(type: "bigint", nullable: false),
                    PayloadHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Outcome = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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

            migrationBuilder.InsertData(
                table: "buckets",
                columns: new[] { "Key", "DisplayName", "PaysOfficial", "PaysRouted", "SortOrder" },
                values: new object[,]
                {
                    { "official", "Official Credit", true, true, 1 },
                    { "routed", "Routed balance", false, true, 2 },
                    { "starter", "Starter balance", false, true, 3 }
                });

            migrationBuilder.InsertData(
                table: "ledger_accounts",
                columns: new[] { "Id", "Address", "CreatedAt", "CreditsPending", "CreditsPosted", "DebitsMustNotExceedCredits", "DebitsPending", "DebitsPosted", "UserId", "Version" },
                values: new object[,]
                {
                    { new Guid("00000000-0000-0000-0000-000000000001"), "sys:payments:clearing", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L },
                    { new Guid("00000000-0000-0000-0000-000000000002"), "sys:revenue:official", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L },
                    { new Guid("00000000-0000-0000-0000-000000000003"), "sys:revenue:routed", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L },
                    { new Guid("00000000-0000-0000-0000-000000000004"), "sys:research", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L },
                    { new Guid("00000000-0000-0000-0000-000000000005"), "sys:breakage", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L },
                    { new Guid("00000000-0000-0000-0000-000000000006"), "sys:adjustments", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), 0L, 0L, false, 0L, 0L, null, 0L }
                });

            migrationBuilder.CreateIndex(
                name: "IX_AspNetRoleClaims_RoleId",
                table: "AspNetRoleClaims",
                column: "RoleId");

            migrationBuilder.CreateIndex(
                name: "RoleNameIndex",
                table: "AspNetRoles",
                column: "NormalizedName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserClaims_UserId",
                table: "AspNetUserClaims",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserLogins_UserId",
                table: "AspNetUserLogins",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserPasskeys_UserId",
                table: "AspNetUserPasskeys",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserRoles_RoleId",
                table: "AspNetUserRoles",
                column: "RoleId");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail");

            migrationBuilder.CreateIndex(
                name: "UserNameIndex",
                table: "AspNetUsers",
                column: "NormalizedUserName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Action_OccurredAt",
                table: "audit_events",
                columns: new[] { "Action", "OccurredAt" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_Actor",
                table: "audit_events",
                column: "Actor");

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_OccurredAt",
                table: "audit_events",
                column: "OccurredAt");

            migrationBuilder.CreateIndex(
                name: "IX_audit_events_PreviousHash",
                table: "audit_events",
                column: "PreviousHash",
                unique: true);

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
                name: "IX_credit_grants_AccountId",
                table: "credit_grants",
                column: "AccountId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_credit_grants_BucketKey",
                table: "credit_grants",
                column: "BucketKey");

            migrationBuilder.CreateIndex(
                name: "IX_credit_grants_ExpiresAt",
                table: "credit_grants",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_credit_grants_UserId_BucketKey",
                table: "credit_grants",
                columns: new[] { "UserId", "BucketKey" });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_accounts_Address",
                table: "ledger_accounts",
                column: "Address",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_accounts_UserId",
                table: "ledger_accounts",
                column: "UserId");

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

            migrationBuilder.CreateIndex(
                name: "IX_transfers_CreatedAt",
                table: "transfers",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_transfers_CreditAccountId_CreatedAt",
                table: "transfers",
                columns: new[] { "CreditAccountId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_transfers_DebitAccountId_CreatedAt",
                table: "transfers",
                columns: new[] { "DebitAccountId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_transfers_PendingId",
                table: "transfers",
                column: "PendingId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_transfers_Reference",
                table: "transfers",
                column: "Reference");

            migrationBuilder.CreateIndex(
                name: "IX_transfers_ReversalOf",
                table: "transfers",
                column: "ReversalOf",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_transfers_TxId",
                table: "transfers",
                column: "TxId");

            AppendOnlyTables.ProtectAllPostgres(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AspNetRoleClaims");

            migrationBuilder.DropTable(
                name: "AspNetUserClaims");

            migrationBuilder.DropTable(
                name: "AspNetUserLogins");

            migrationBuilder.DropTable(
                name: "AspNetUserPasskeys");

            migrationBuilder.DropTable(
                name: "AspNetUserRoles");

            migrationBuilder.DropTable(
                name: "AspNetUserTokens");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "code_attempts");

            migrationBuilder.DropTable(
                name: "payment_events");

            migrationBuilder.DropTable(
                name: "redemptions");

            migrationBuilder.DropTable(
                name: "AspNetRoles");

            migrationBuilder.DropTable(
                name: "top_up_orders");

            migrationBuilder.DropTable(
                name: "redeem_codes");

            migrationBuilder.DropTable(
                name: "transfers");

            migrationBuilder.DropTable(
                name: "AspNetUsers");

            migrationBuilder.DropTable(
                name: "credit_grants");

            migrationBuilder.DropTable(
                name: "campaigns");

            migrationBuilder.DropTable(
                name: "buckets");

            migrationBuilder.DropTable(
                name: "ledger_accounts");
        }
    }
}
