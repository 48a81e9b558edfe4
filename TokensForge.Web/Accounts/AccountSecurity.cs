using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace TokensForge.Web.Accounts;

/// <summary>Sign-in protection (section <c>Accounts</c>): Identity lockout and a per-address throttle on the account forms.</summary>
public sealed class AccountSecurityOptions
{
    public const string Section = "Accounts";

    /// <summary>Wrong passwords in a row that lock an account. Default 5.</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked. Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Login and registration form posts one client address may make per minute, per instance (the lockout itself is
    /// in the database and holds across instances). Default 20.
    /// </summary>
    [Range(1, 100_000)]
    public int FormPostsPerMinute { get; set; } = 20;
}

public static class AccountSecurityExtensions
{
    /// <summary>The paths whose posts are throttled per client address.</summary>
    private static readonly PathString[] ThrottledForms = ["/Account/Login", "/Account/Register"];

    /// <summary>Identity lockout from <see cref="AccountSecurityOptions"/> and the per-address form throttle.</summary>
    public static IServiceCollection AddAccountSecurity(this IServiceCollection services)
    {
        services.AddOptions<AccountSecurityOptions>().BindConfiguration(AccountSecurityOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountSecurityOptions>>((identity, security) =>
        {
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = security.Value.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = security.Value.LockoutDuration;
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AccountSecurityOptions>>((limiter, security) =>
        {
            var perMinute = security.Value.FormPostsPerMinute;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsPost(context.Request.Method) && ThrottledForms.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase))
                    ? RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }
}
