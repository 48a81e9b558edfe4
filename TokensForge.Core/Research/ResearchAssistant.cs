using Microsoft.Extensions.Options;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Research;

/// <summary>A ready-made research task the user fills in.</summary>
public sealed record ResearchTemplate(string Key, string Title, string Prompt);

/// <summary>
/// The free research assistant: its system prompt, starter templates and the notice every answer carries, and the
/// sponsored gateway caller that makes <c>sys:research</c> pay within the user's daily allowance. Requests go
/// through the same <see cref="GatewayPipeline"/> as /v1 and the playground.
/// </summary>
public sealed class ResearchAssistant(ResearchAllowance allowance, ModelAccess models, HoldPreviewer previewer, IOptions<ResearchOptions> options)
{
    /// <summary>Shown on the page and under every answer.</summary>
    public const string Notice = "Research support, not financial advice.";

    public const string DefaultSystemPrompt = """
        You are a research assistant for trading and investment research workflows. You help the user read, organise,
        summarise, compare and critique research material they provide: earnings call transcripts, filings, fundamentals,
        backtest ideas and research plans.
        Rules: work only from the material given and general knowledge, and say clearly when data is missing, stale or
        inconsistent; never invent figures. State assumptions. Point out risks, biases and what would change the
        conclusion. Do not tell the user to buy, sell or hold anything and do not give personalised financial advice:
        this is research support, not financial advice. Answer in Markdown with short sections, bullet points and tables
        where they help.
        """;

    // Prose lines are not wrapped: the text goes into the message box as it is.
    public static readonly IReadOnlyList<ResearchTemplate> Templates =
    [
        new("earnings-call", "Summarise an earnings call",
            """
            Summarise this earnings call transcript for a research note: guidance changes, revenue and margin drivers, management tone, the analysts' toughest questions, risks mentioned, and open questions I should verify.

            Transcript:
            <paste the transcript here>
            """),
        new("compare-fundamentals", "Compare two companies' fundamentals",
            """
            Compare the fundamentals of these two companies from the data below: growth, margins, balance sheet, cash flow and valuation multiples. Put the comparison in a table, and flag figures that are missing or inconsistent.

            Company A:
            <paste data here>

            Company B:
            <paste data here>
            """),
        new("critique-backtest", "Critique a backtest idea",
            """
            Critique this backtest idea: look-ahead and survivorship bias, overfitting, transaction costs and slippage, capacity, regime dependence, and how to test it out of sample. End with a list of the checks to run first.

            Idea:
            <describe the strategy, universe, period and rules>
            """),
        new("research-checklist", "Build a research checklist",
            """
            Build a research checklist for evaluating <company, sector or strategy>: business model, financials, competition, management, risks, catalysts, and the data to gather for each item, as a Markdown checklist.
            """),
    ];

    public ResearchOptions Options => options.Value;

    public string SystemPrompt => string.IsNullOrWhiteSpace(options.Value.SystemPrompt) ? DefaultSystemPrompt : options.Value.SystemPrompt;

    /// <summary>The assistant's request for the conversation so far (its own model, system prompt and output limit).</summary>
    public ChatDraft Draft(IReadOnlyList<ChatTurn> turns) => new(options.Value.Model, SystemPrompt, turns, MaxTokens: options.Value.MaxOutputTokens);

    /// <summary>A caller whose requests <c>sys:research</c> pays, within <paramref name="userId"/>'s allowance for today.</summary>
    public GatewayCaller Caller(string userId, string requestId, string? clientIp = null) =>
        GatewayCaller.Sponsored(userId, RequestSource.Research, options.Value.RoutePreference, requestId, allowance.SponsorFor(userId)) with { ClientIp = clientIp };

    public Task<ResearchAllowanceStatus> AllowanceAsync(string userId, CancellationToken ct = default) => allowance.TodayAsync(userId, ct);

    /// <summary>
    /// The worst case the next question would take from the allowance, and whether what is left covers it; null when
    /// the assistant's model has no route.
    /// </summary>
    public async Task<HoldPreview?> PreviewAsync(IReadOnlyList<ChatTurn> turns, ResearchAllowanceStatus status, CancellationToken ct = default)
    {
        var (model, error) = await models.ResolveAsync(options.Value.Model, ModelKind.Chat, null, ct);
        if (error is not null) return null;
        var left = status.RequestsLeft > 0 ? status.AmountLeft : 0;
        var allowanceOnly = new WalletCapacity([new BucketCapacity(ResearchAllowance.BucketKey, ResearchAllowance.PaidByLabel, true, true, left)]);
        return previewer.Preview(model!, options.Value.RoutePreference, Draft(turns).ToRequest(), allowanceOnly);
    }
}
