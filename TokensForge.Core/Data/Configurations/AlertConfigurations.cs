using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Alerts;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class AlertSettingsConfiguration : IEntityTypeConfiguration<AlertSettings>
{
    public void Configure(EntityTypeBuilder<AlertSettings> b)
    {
        b.ToTable("alert_settings");
        b.HasKey(x => x.UserId);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.BudgetPercents).HasMaxLength(32);
        b.Property(x => x.WebhookUrl).HasMaxLength(500);
        b.Ignore(x => x.Percents);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class NoticeConfiguration : IEntityTypeConfiguration<Notice>
{
    public void Configure(EntityTypeBuilder<Notice> b)
    {
        b.ToTable("notices");
        b.HasKey(x => x.Id);
        b.Property(x => x.EventId).HasMaxLength(200);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Kind).HasMaxLength(32);
        b.Property(x => x.Message).HasMaxLength(1000);
        // One notice per event, however many instances scan at once.
        b.HasIndex(x => x.EventId).IsUnique();
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.ToTable("webhook_deliveries");
        b.HasKey(x => x.NoticeId);
        b.Property(x => x.EventId).HasMaxLength(200);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.Property(x => x.Url).HasMaxLength(500);
        b.Property(x => x.LastError).HasMaxLength(500);
        b.HasOne<Notice>().WithOne().HasForeignKey<WebhookDelivery>(x => x.NoticeId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.NextAttemptAt);
        b.HasIndex(x => new { x.UserId, x.CreatedAt });
    }
}
