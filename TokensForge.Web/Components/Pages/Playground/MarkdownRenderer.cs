using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace TokensForge.Web.Components.Pages.Playground;

/// <summary>A run of rendered Markdown, or a code block the page shows with its own copy button.</summary>
public abstract record MarkdownSegment;

public sealed record HtmlSegment(string Html) : MarkdownSegment;

public sealed record CodeSegment(string? Language, string Code) : MarkdownSegment;

/// <summary>
/// Model output as safe HTML: Markdig with raw HTML disabled (it is shown as text), only links to http, https,
/// mailto or relative addresses, and no extension that lets text set attributes. Code blocks come out as their own
/// segments so each gets a copy button.
/// </summary>
public static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .DisableHtml()
        .Build();

    private static readonly string[] SafeSchemes = ["http", "https", "mailto"];

    public static IReadOnlyList<MarkdownSegment> Render(string? markdown)
    {
        var segments = new List<MarkdownSegment>();
        if (string.IsNullOrEmpty(markdown)) return segments;
        var document = Markdown.Parse(markdown, Pipeline);
        Sanitize(document);

        var html = new StringWriter();
        var renderer = new HtmlRenderer(html);
        Pipeline.Setup(renderer);
        void Flush()
        {
            renderer.Writer.Flush();
            if (html.GetStringBuilder().Length == 0) return;
            segments.Add(new HtmlSegment(html.ToString()));
            html.GetStringBuilder().Clear();
        }

        foreach (var block in document)
        {
            if (block is CodeBlock code)
            {
                Flush();
                var language = (code as FencedCodeBlock)?.Info;
                segments.Add(new CodeSegment(string.IsNullOrWhiteSpace(language) ? null : language, code.Lines.ToString()));
            }
            else
            {
                renderer.Render(block);
            }
        }
        Flush();
        return segments;
    }

    /// <summary>Whether a link target is harmless: relative, or one of the safe schemes (after dropping what browsers ignore).</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var cleaned = new string(url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray()).ToLowerInvariant();
        var colon = cleaned.IndexOf(':');
        if (colon < 0) return true;
        var boundary = cleaned.IndexOfAny(['/', '?', '#']);
        if (boundary >= 0 && boundary < colon) return true;
        return SafeSchemes.Contains(cleaned[..colon]);
    }

    private static void Sanitize(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafeUrl(link.Url)) link.Url = "#";
        }
        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!link.IsEmail && !IsSafeUrl(link.Url)) link.Url = "#";
        }
    }
}
