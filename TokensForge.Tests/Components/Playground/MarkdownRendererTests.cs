using System.Text.RegularExpressions;
using TokensForge.Web.Components.Pages.Playground;

namespace TokensForge.Tests.Components.Playground;

public sealed class MarkdownRendererTests
{
    [Fact]
    public void Render_CodeBlocks_BecomeTheirOwnSegments()
    {
        var segments = MarkdownRenderer.Render("Intro **bold**\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");

        Assert.Collection(segments,
            s => Assert.Contains("<strong>bold</strong>", Assert.IsType<HtmlSegment>(s).Html),
            s =>
            {
                var code = Assert.IsType<CodeSegment>(s);
                Assert.Equal(("python", "print('hi')"), (code.Language, code.Code));
            },
            s => Assert.Contains("<table>", Assert.IsType<HtmlSegment>(s).Html));
    }

    [Fact]
    public void Render_RawHtml_IsShownAsText()
    {
        var html = string.Concat(MarkdownRenderer.Render("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there").OfType<HtmlSegment>().Select(s => s.Html));

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](<JaVa\tScRiPt:alert(1)>)")]
    [InlineData("[x][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("<javascript:alert(1)>")]
    [InlineData("![x](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[x](vbscript:msgbox)")]
    public void Render_UnsafeLinks_AreDisarmed(string markdown)
    {
        var html = string.Concat(MarkdownRenderer.Render(markdown).OfType<HtmlSegment>().Select(s => s.Html));

        var targets = Regex.Matches(html, "(href|src)=\"(?<url>[^\"]*)\"").Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(targets);
        Assert.All(targets, url => Assert.Equal("#", url));
    }

    [Fact]
    public void Render_SafeLinks_AreKept()
    {
        var html = string.Concat(MarkdownRenderer.Render("[docs](https://example.com/a) [rel](/usage) https://example.org").OfType<HtmlSegment>().Select(s => s.Html));

        Assert.Contains("href=\"https://example.com/a\"", html);
        Assert.Contains("href=\"/usage\"", html);
        Assert.Contains("href=\"https://example.org\"", html);
    }

    [Fact]
    public void Render_AttributeSyntax_IsNotInterpreted()
    {
        var html = string.Concat(MarkdownRenderer.Render("# Title {onclick=alert(1)}").OfType<HtmlSegment>().Select(s => s.Html));

        Assert.DoesNotContain("onclick=\"", html);
    }
}
