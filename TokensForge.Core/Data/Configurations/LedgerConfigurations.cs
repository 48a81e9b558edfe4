using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Ledger;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Data.Configurations;

internal sealed class BucketConfiguration : IEntityTypeConfiguration<Bucket>
{
    public void Configure(EntityTypeBuilder<Bucket> b)
    {
        b.ToTable("buckets");
        b.HasKey(x => x.Key);
        b.Property(x => x.Key).HasMaxLength(32);
        b.Property(x => x.DisplayName).HasMaxLength(64);
        b.Ignore(x => x.PaysDescription);
        b.HasData(Bucket.Seed);
    }
}

internal sealed class LedgerAccountConfiguration : IEntityTypeConfiguration<LedgerAccount>
{
    public void Configure(EntityTypeBuilder<LedgerAccount> b)
    {
        b.ToTable("ledger_accounts", t =>
        {
            // Backstops for the conditional updates in LedgerWriter: even a buggy caller cannot overdraw.
            t.HasCheckConstraint("ck_ledger_accounts_counters_non_negative",
                "\"DebitsPosted\" >= 0 AND \"CreditsPosted\" >= 0 AND \"DebitsPending\" >= 0 AND \"CreditsPending\" >= 0");
            t.HasCheckConstraint("ck_ledger_accounts_debits_within_credits",
                "NOT \"DebitsMustNotExceedCredits\" OR \"DebitsPosted\" + \"DebitsPending\" <= \"CreditsPosted\"");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.Address).HasMaxLength(200);
        b.HasIndex(x => x.Address).IsUnique();
        b.HasIndex(x => x.UserId);
        b.Ignore(x => x.Balance);
        b.Ignore(x => x.Available);
        b.HasData(SystemAccounts.Seed.Select(s => new
        {
            s.Id,
            s.Address,
            DebitsMustNotExceedCredits = false,
            DebitsPosted = 0L,
            CreditsPosted = 0L,
            DebitsPending = 0L,
            CreditsPending = 0L,
            Version = 0L,
            CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        }));
    }
}

internal sealed class CreditGrantConfiguration : IEntityTypeConfiguration<CreditGrant>
{
    public void Configure(EntityTypeBuilder<CreditGrant> b)
    {
        b.ToTable("credit_grants", t => t.HasCheckConstraint("ck_credit_grants_amount_positive", "\"OriginalAmount\" > 0"));
        b.HasKey(x => x.Id);
        b.HasOne(x => x.Account).WithOne().HasForeignKey<CreditGrant>(x => x.AccountId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Bucket).WithMany().HasForeignKey(x => x.BucketKey).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.AccountId).IsUnique();
        b.HasIndex(x => new { x.UserId, x.BucketKey });
        b.HasIndex(x => x.ExpiresAt);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Category).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Source).HasConversion<string>().HasMaxLength(16);
        // Holds the acting admin's email on adjustments.
        b.Property(x => x.SourceRef).HasMaxLength(256);
        b.Property(x => x.SourceLabel).HasMaxLength(200);
    }
}

internal sealed class TransferConfiguration : IEntityTypeConfiguration<Transfer>
{
    public void Configure(EntityTypeBuilder<Transfer> b)
    {
        b.ToTable("transfers", t =>
        {
            t.HasCheckConstraint("ck_transfers_amount_positive", "\"Amount\" > 0");
            t.HasCheckConstraint("ck_transfers_distinct_accounts", "\"DebitAccountId\" <> \"CreditAccountId\"");
        });
        b.HasKey(x => x.Id);
        b.HasOne<LedgerAccount>().WithMany().HasForeignKey(x => x.DebitAccountId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<LedgerAccount>().WithMany().HasForeignKey(x => x.CreditAccountId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Code).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Reference).HasMaxLength(100);
        b.Property(x => x.Memo).HasMaxLength(500);
        // A hold is resolved exactly once and a transfer is reversed at most once, whatever the concurrency.
        b.HasIndex(x => x.PendingId).IsUnique();
        b.HasIndex(x => x.ReversalOf).IsUnique();
        b.HasIndex(x => x.TxId);
        b.HasIndex(x => new { x.DebitAccountId, x.CreatedAt });
        b.HasIndex(x => new { x.CreditAccountId, x.CreatedAt });
        b.HasIndex(x => x.CreatedAt);
        b.HasIndex(x => x.Reference);
    }
}
