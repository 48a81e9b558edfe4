using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Users;

public static class UsersServiceCollectionExtensions
{
    /// <summary>The admin users pages: account search and overview, role changes, disabling and adjustments.</summary>
    public static IServiceCollection AddUserAdministration(this IServiceCollection services)
    {
        services.AddSingleton<UserAdminQueries>();
        services.AddSingleton<UserAdminService>();
        return services;
    }
}
