using Bunit;
using Microsoft.AspNetCore.Components;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Layout;

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
}
