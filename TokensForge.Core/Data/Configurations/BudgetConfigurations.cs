using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TokensForge.Core.Budgets;
using TokensForge.Core.Users;

namespace TokensForge.Core.Data.Configurations;

internal sealed class BudgetConfiguration : IEntityTypeConfiguration<Budget>
{
    public void Configure(EntityTypeBuilder<Budget> b)
    {
        b.ToTable("budgets", t => t.HasCheckConstraint("ck_budgets_limit_positive", "\"Limit\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Scope).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.Period).HasConversion<string>().HasMaxLength(8);
        b.Property(x => x.OwnerId).HasMaxLength(450);
        b.Property(x => x.UserId).HasMaxLength(450);
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        // One budget per period and owner: "¥10 a day" and "¥100 a month" are two rows, never two daily ones.
        b.HasIndex(x => new { x.Scope, x.OwnerId, x.Period }).IsUnique();
        b.HasIndex(x => x.UserId);
    }
}

internal sealed class BudgetWindowConfiguration : IEntityTypeConfiguration<BudgetWindow>
{
    public void Configure(EntityTypeBuilder<BudgetWindow> b)
    {
        // Backstop for the conditional updates of BudgetSpend (the limit itself lives on the budget, checked in those statements).
        b.ToTable("budget_windows", t => t.HasCheckConstraint("ck_budget_windows_non_negative", "\"Spent\" >= 0 AND \"Reserved\" >= 0"));
        // The window's start is part of the key: a new day, week or month is a new row, so nothing has to reset the old one.
        b.HasKey(x => new { x.BudgetId, x.Start });
        b.HasOne<Budget>().WithMany().HasForeignKey(x => x.BudgetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class BudgetReservationConfiguration : IEntityTypeConfiguration<BudgetReservation>
{
    public void Configure(EntityTypeBuilder<BudgetReservation> b)
    {
        b.ToTable("budget_reservations", t => t.HasCheckConstraint("ck_budget_reservations_amount_positive", "\"Amount\" > 0"));
        b.HasKey(x => new { x.ReservationId, x.BudgetId });
        b.HasOne<Budget>().WithMany().HasForeignKey(x => x.BudgetId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(x => x.ExpiresAt);
    }
}
