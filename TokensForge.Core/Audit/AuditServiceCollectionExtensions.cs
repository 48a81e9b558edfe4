using Microsoft.Extensions.DependencyInjection;

namespace TokensForge.Core.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The hash-chained audit trail: writing, verifying and reading it.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<AuditQueries>();
        services.AddSingleton<AuditTargets>();
        return services;
    }
}
