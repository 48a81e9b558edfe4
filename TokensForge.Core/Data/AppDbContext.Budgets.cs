using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Budgets;

namespace TokensForge.Core.Data;

public abstract partial class AppDbContext
{
    public DbSet<Budget> Budgets => Set<Budget>();
    public DbSet<BudgetWindow> BudgetWindows => Set<BudgetWindow>();
    public DbSet<BudgetReservation> BudgetReservations => Set<BudgetReservation>();
}
