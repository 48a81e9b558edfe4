using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Ledger;

namespace TokensForge.Core.Data.Configurations;

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> b)
    {
        b.ToTable("campaigns", t =>
        {
            t.HasCheckConstraint("ck_campaigns_amount_positive", "\"AmountPerClaim\" > 0");
            t.HasCheckConstraint("ck_campaigns_claim_limit_positive", "\"ClaimLimitPerAccount\" >= 1");
            t.HasCheckConstraint("ck_campaigns_budget_positive", "\"Budget\" IS NULL OR \"Budget\" > 0");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ExpiryRule).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Notes).HasMaxLength(2000);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.HasOne(x => x.Bucket).WithMany().HasForeignKey(x => x.BucketKey).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<LedgerAccount>().WithOne().HasForeignKey<Campaign>(x => x.FundingAccountId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.FundingAccountId).IsUnique();
        b.HasIndex(x => new { x.Kind, x.Status });
    }
}

internal sealed class RedeemCodeConfiguration : IEntityTypeConfiguration<RedeemCode>
{
    public void Configure(EntityTypeBuilder<RedeemCode> b)
    {
        b.ToTable("redeem_codes", t =>
        {
            // Backstop for the claim's conditional update: the count can never pass the maximum.
            t.HasCheckConstraint("ck_redeem_codes_count_within_max", "\"RedemptionCount\" >= 0 AND \"RedemptionCount\" <= \"MaxRedemptions\"");
            t.HasCheckConstraint("ck_redeem_codes_max_positive", "\"MaxRedemptions\" >= 1");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.Code).HasMaxLength(32);
        // Equality and the admin grid's prefix search (LIKE 'TF-7K3M%') both use this index; on PostgreSQL the
        // pattern operator class makes LIKE prefixes indexable whatever the database collation.
        b.HasIndex(x => x.Code).IsUnique().HasOperators("text_pattern_ops");
        // The codes grid: newest first, overall or per campaign, with the id as the tie-breaker of a batch.
        b.HasIndex(x => new { x.CampaignId, x.CreatedAt, x.Id });
        b.HasIndex(x => new { x.CreatedAt, x.Id });
        b.HasIndex(x => x.BatchId);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.CreatedBy).HasMaxLength(256);
        b.Property(x => x.DisabledBy).HasMaxLength(256);
        b.HasOne(x => x.Campaign).WithMany().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RedemptionConfiguration : IEntityTypeConfiguration<Redemption>
{
    public void Configure(EntityTypeBuilder<Redemption> b)
    {
        b.ToTable("redemptions", t =>
        {
            t.HasCheckConstraint("ck_redemptions_amount_positive", "\"Amount\" > 0");
            t.HasCheckConstraint("ck_redemptions_claim_number_positive", "\"ClaimNumber\" >= 1");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.ClientIp).HasMaxLength(64);
        // The per-account claim limit: the n-th claim of an account can exist once, whatever the concurrency.
        b.HasIndex(x => new { x.CampaignId, x.UserId, x.ClaimNumber }).IsUnique();
        b.HasIndex(x => new { x.UserId, x.ClaimedAt });
        b.HasIndex(x => x.ClaimedAt);
        b.HasIndex(x => x.CodeId);
        b.HasIndex(x => x.GrantId).IsUnique();
        b.HasIndex(x => x.TransferId).IsUnique();
        b.HasOne(x => x.Campaign).WithMany().HasForeignKey(x => x.CampaignId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Code).WithMany().HasForeignKey(x => x.CodeId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Bucket).WithMany().HasForeignKey(x => x.BucketKey).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<CreditGrant>().WithOne().HasForeignKey<Redemption>(x => x.GrantId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Transfer>().WithOne().HasForeignKey<Redemption>(x => x.TransferId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CodeAttemptConfiguration : IEntityTypeConfiguration<CodeAttempt>
{
    public void Configure(EntityTypeBuilder<CodeAttempt> b)
    {
        b.ToTable("code_attempts");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).ValueGeneratedOnAdd();
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.ClientIp).HasMaxLength(64);
        b.Property(x => x.Input).HasMaxLength(64);
        b.Property(x => x.Outcome).HasMaxLength(32);
        b.HasIndex(x => new { x.UserId, x.AttemptedAt });
        b.HasIndex(x => new { x.ClientIp, x.AttemptedAt });
    }
}
