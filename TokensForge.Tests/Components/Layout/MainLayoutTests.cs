using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokensForge.Core.Data;
using TokensForge.Core.Wallets;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Layout;
using TokensForge.Web.Components.Pages.Wallet;

namespace TokensForge.Tests.Components.Layout;

public sealed class MainLayoutTests
{
    /// <summary>A page with a bug: it throws while rendering.</summary>
    private sealed class BrokenPage : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("a bug with a stack trace");
    }

    [Fact]
    public async Task APageThatThrows_ShowsOneReadableSentence_InsideTheLayout_WithoutTheException()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", "user-1");
        ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var layout = ctx.Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<BrokenPage>(0);
            b.CloseComponent();
        })));

        layout.WaitForAssertion(() => Assert.Equal("Something went wrong on this page. Reload it, or open another page to go on.",
            layout.Find("[data-testid=page-error]").TextContent.Trim()));
        Assert.DoesNotContain("a bug with a stack trace", layout.Markup);
        Assert.DoesNotContain("InvalidOperationException", layout.Markup);
        // The app bar and the menu stay, so the person can go elsewhere.
        layout.Find("[data-testid=signed-in-as]");
    }

    /// <summary>A database that cannot be reached (SQLITE_CANTOPEN) for whatever reads through it.</summary>
    private sealed class UnreachableDatabase : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => throw new Microsoft.Data.Sqlite.SqliteException("unable to open database file", 14);
    }

    [Fact]
    public async Task APageWithoutACatchAll_WhoseDatabaseFails_ShowsTheLayoutsSentence_NotTheException()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var ctx = PageTestContext.Create(db.Services, "someone@test.local", "user-1");
        ctx.Services.AddSingleton(new WalletQueries(new UnreachableDatabase(), db.Time));
        ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var layout = ctx.Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<WalletPage>(0);
            b.CloseComponent();
        })));

        layout.WaitForAssertion(() => Assert.Equal("Something went wrong on this page. Reload it, or open another page to go on.",
            layout.Find("[data-testid=page-error]").TextContent.Trim()));
        Assert.DoesNotContain("unable to open database file", layout.Markup);
        Assert.DoesNotContain("SqliteException", layout.Markup);
        layout.Find("[data-testid=signed-in-as]");
    }
}
