using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace TokensForge.Tests.Components;

/// <summary>
/// The one bunit set-up of the page tests: MudBlazor with loose JS interop (its browser calls are not under test), the
/// services of the app or database under test behind whatever a test registers itself, and the signed-in user.
/// </summary>
internal static class PageTestContext
{
    /// <param name="app">Where a service the test did not register comes from: the same instances the app uses.</param>
    /// <param name="email">The signed-in user's name; null: nobody is signed in and no authorization is set up.</param>
    public static BunitContext Create(IServiceProvider? app = null, string? email = null, string? userId = null, params string[] roles)
    {
        var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        ctx.Services.AddMudServices();
        if (app is not null)
        {
            ctx.Services.AddFallbackServiceProvider(app);
            // Two things never reach the fallback: MudBlazor registers its own clock, so the app's is registered here,
            // and the options system answers every IOptions<T> with defaults, so a test registers the options its page reads.
            if (app.GetService(typeof(TimeProvider)) is TimeProvider time) ctx.Services.AddSingleton(time);
        }
        if (email is null) return ctx;
        var auth = ctx.AddAuthorization();
        auth.SetAuthorized(email);
        // SetRoles drops claims set before it, so the user id goes last.
        if (roles.Length > 0) auth.SetRoles(roles);
        if (userId is not null) auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, userId));
        return ctx;
    }
}
