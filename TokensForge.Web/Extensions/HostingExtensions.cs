using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using TokensForge.Core;
using TokensForge.Core.Data;
using TokensForge.Core.Ledger;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;
using TokensForge.Core.Users;
using TokensForge.Web.Accounts;
using TokensForge.Web.Api.Exports;
using TokensForge.Web.Api.Payments;
using TokensForge.Web.Api.V1;
using TokensForge.Web.Api.Admin;
using TokensForge.Web.Components;
using TokensForge.Web.Components.Account;
using TokensForge.Web.Operations;
using TokensForge.Web.Seeding;
using TokensForge.Web.Simulator;

namespace TokensForge.Web.Extensions;

public static class HostingExtensions
{
    /// <summary>Every service of the product: Core features, database, Identity and the dashboard.</summary>
    public static WebApplicationBuilder AddTokensForge(this WebApplicationBuilder builder)
    {
        builder.Configuration.UseSharedSettings();
        builder.Services.AddTokensForgeServices(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddHostedService<LedgerMaintenanceService>();
        builder.Services.AddProbes();
        builder.AddTelemetry();
        // Simulated routes call this app itself: its address comes from the running server.
        builder.Services.Replace(ServiceDescriptor.Singleton<ISelfAddress, ServerSelfAddress>());

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddClientAddress();
        builder.Services.AddScoped<IdentityRedirectManager>();
        builder.Services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        builder.Services.AddSingleton<IEmailSender<ApplicationUser>, IdentityNoOpEmailSender>();
        builder.Services.ConfigureApplicationCookie(options =>
        {
            // A signed-in user without the role gets a real 403 (rendered by the status page), not a redirect.
            options.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            // API clients (CSV downloads, scripts, OpenAI SDKs) get a plain 401 instead of a redirect to the login page.
            options.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/api") || V1ResponseGuard.IsV1(context.Request))
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                else context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorization();
        builder.Services.AddAccountSecurity();
        builder.Services.AddProxySupport();
        builder.Services.AddHttpClient(TestCheckoutClient.HttpClientName);
        builder.Services.AddScoped<TestCheckoutClient>();
        return builder;
    }

    /// <summary>Services shared by the web host and the ops CLI, so both apply the same rules.</summary>
    public static IServiceCollection AddTokensForgeServices(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddTokensForgeData(configuration, contentRoot);
        services.AddTokensForgeCore();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddIdentityCore<ApplicationUser>(options =>
            {
                // No mail is sent by this product yet, so accounts are usable as soon as they are registered.
                options.SignIn.RequireConfirmedAccount = false;
                options.User.RequireUniqueEmail = true;
            })
            .AddUserValidator<PlausibleEmailValidator>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager<AccountSignInManager>()
            .AddDefaultTokenProviders();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddScoped<AccountBootstrapper>();
        services.AddScoped<DemoSeeder>();
        return services;
    }

    /// <summary>Migrations, roles, the first admin and (when configured) demo data, before the first request.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        app.RefuseUnprotectedKeyRing();
        app.RefuseUnusableMetrics();
        var database = app.Services.GetRequiredService<DatabaseInitializer>();
        // Instances started together take turns; every step below finds what an earlier one made and adds only what is missing.
        await database.RunExclusiveAsync(async () =>
        {
            if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup) await database.MigrateAsync();
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AccountBootstrapper>().EnsureRolesAndAdminAsync();
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync();
            if (app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value.Enabled)
                await app.Services.GetRequiredService<SimulatorRoutes>().EnsureAsync();
        });
        await app.RefuseRoutesOutlastingHoldsAsync();
    }

    /// <summary>The request pipeline and endpoint map.</summary>
    public static WebApplication UseTokensForge(this WebApplication app)
    {
        app.UseProxySupport();
        // Readable pages for errors and status codes in every environment: never a stack trace.
        app.UseExceptionHandler("/Error", createScopeForErrors: true);
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        app.UseV1ResponseGuard();
        // After the status pages, so a throttled login or registration post gets the readable 429 page.
        app.UseRateLimiter();
        // Explicit, so authorization failures (403) pass through the status page above.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapProbes();
        app.MapMetrics();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        app.MapPaymentWebhooks();
        app.MapExports();
        app.MapV1Api();
        app.MapAnthropicApi();
        if (app.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value.Enabled) app.MapSimulator();
        app.MapAdminApi();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var urls = string.Join(", ", app.Urls);
            app.Logger.LogInformation("Tokens Forge is running at {Urls}", urls);
        });
        return app;
    }
}
