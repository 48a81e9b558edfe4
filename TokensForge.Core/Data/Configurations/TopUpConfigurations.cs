using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Ledger;
using TokensForge.Core.TopUps;
using TokensForge.Core.Users;
using TokensForge.Core.Wallets;

namespace TokensForge.Core.Data.Configurations;

internal sealed class TopUpOrderConfiguration : IEntityTypeConfiguration<TopUpOrder>
{
    public void Configure(EntityTypeBuilder<TopUpOrder> b)
    {
        b.ToTable("top_up_orders", t =>
        {
            t.HasCheckConstraint("ck_top_up_orders_amount_positive", "\"Amount\" > 0");
            t.HasCheckConstraint("ck_top_up_orders_refund_within_amount", "\"RefundedAmount\" >= 0 AND \"UnrecoveredAmount\" >= 0 AND \"RefundedAmount\" + \"UnrecoveredAmount\" <= \"Amount\"");
        });
        b.HasKey(x => x.Id);
        b.Property(x => x.Reference).HasMaxLength(20);
        b.HasIndex(x => x.Reference).IsUnique();
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Bucket>().WithMany().HasForeignKey(x => x.BucketKey).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<CreditGrant>().WithMany().HasForeignKey(x => x.GrantId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Provider).HasMaxLength(32);
        b.Property(x => x.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.ProviderReference).HasMaxLength(TopUpOrder.MaxProviderReferenceLength);
        b.Property(x => x.FailureReason).HasMaxLength(TopUpOrder.MaxFailureReasonLength);
        b.Property(x => x.ConfirmedBy).HasMaxLength(256);
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
        b.HasIndex(x => new { x.Status, x.CreatedAt });
        b.HasIndex(x => x.CreatedAt);
    }
}

internal sealed class PaymentEventConfiguration : IEntityTypeConfiguration<PaymentEvent>
{
    public void Configure(EntityTypeBuilder<PaymentEvent> b)
    {
        b.ToTable("payment_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Provider).HasMaxLength(32);
        b.Property(x => x.EventId).HasMaxLength(PaymentWebhookPayload.MaxIdLength);
        // The idempotency key of webhooks: a provider's event is applied once, whatever the concurrency.
        b.HasIndex(x => new { x.Provider, x.EventId }).IsUnique();
        b.HasIndex(x => x.OrderId);
        b.HasOne<TopUpOrder>().WithMany().HasForeignKey(x => x.OrderId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Type).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.PayloadHash).HasMaxLength(64);
        b.Property(x => x.Outcome).HasMaxLength(300);
    }
}
