using Bunit;
using Microsoft.AspNetCore.Components;
using TokensForge.Core.Gateway;
using TokensForge.Core.Playground;
using TokensForge.Core.Receipts;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;
using TokensForge.Web.Components.Pages.Playground;

namespace TokensForge.Tests.Components.Playground;

public sealed class ChatSessionTests
{
    private static IRenderedComponent<ChatSession> Render(BunitContext ctx, ChatConversation conversation, string userId, List<ChatOutcome> outcomes,
        RoutePreference preference = RoutePreference.Auto) =>
        ctx.Render<ChatSession>(p => p
            .Add(x => x.Conversation, conversation)
            .Add(x => x.UserId, userId)
            .Add(x => x.Caller, id => GatewayCaller.Playground(userId, preference, id))
            .Add(x => x.Request, turns => new ChatDraft("gpt-4o-mini", null, turns, MaxTokens: 200).ToRequest())
            .Add(x => x.Answered, EventCallback.Factory.Create<ChatOutcome>(new object(), outcomes.Add))
            .Add(x => x.AnswerFooter, receipt => $"<span data-testid=\"footer-receipt\">{receipt?.Id}</span>"));

    private static void Send(IRenderedComponent<ChatSession> chat, string text)
    {
        chat.Find("[data-testid=prompt-input] textarea").Input(text);
        chat.WaitForAssertion(() => Assert.False(chat.Find("[data-testid=send]").HasAttribute("disabled")));
        chat.Find("[data-testid=send]").Click();
    }

    [Fact]
    public async Task Empty_SaysSo_AndSendsNothingUntilSomethingIsTyped()
    {
        await using var db = await TestDatabase.CreateAsync();
        var userId = await db.AddUserAsync();
        await using var ctx = PlaygroundPageTests.ContextFor(db.Services, userId);
        var conversation = new ChatConversation();

        var chat = Render(ctx, conversation, userId, []);

        Assert.Contains("No messages yet", chat.Find("[data-testid=conversation-empty]").TextContent);
        Assert.True(chat.Find("[data-testid=send]").HasAttribute("disabled"));
        Assert.True(chat.Find("[data-testid=clear]").HasAttribute("disabled"));
        Assert.Empty(chat.FindAll("[data-testid=chat-notice]"));
        chat.Find("[data-testid=prompt-input] textarea").Input("Hello");
        Assert.False(chat.Find("[data-testid=send]").HasAttribute("disabled"));
        Assert.Equal([new ChatTurn(ChatTurn.User, "Hello")], conversation.Pending);
    }

    [Fact]
    public async Task Send_StreamsTheAnswerIntoTheView_ThenShowsItWithItsReceipt()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("starter", 2_000_000));
        await using var ctx = PlaygroundPageTests.ContextFor(host.App.Services, userId);
        var conversation = new ChatConversation();
        var outcomes = new List<ChatOutcome>();
        var chat = Render(ctx, conversation, userId, outcomes);

        Send(chat, "[sim:tokens=60] [sim:delay=40] Explain a token.");

        chat.WaitForAssertion(() => Assert.Equal("true", chat.Find("[data-testid=streaming-answer]").GetAttribute("data-started")), TimeSpan.FromSeconds(10));
        chat.WaitForAssertion(() => Assert.NotEmpty(chat.Find("[data-testid=streaming-text]").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.True(conversation.Streaming);
        Assert.NotNull(chat.Find("[data-testid=stop]"));
        Assert.Single(chat.FindAll("[data-testid=user-message]"));
        Assert.Empty(chat.FindAll("[data-testid=assistant-message]"));

        chat.WaitForAssertion(() => Assert.Single(chat.FindAll("[data-testid=assistant-message]")), TimeSpan.FromSeconds(30));
        Assert.False(conversation.Streaming);
        Assert.Empty(chat.FindAll("[data-testid=streaming-answer]"));
        var outcome = Assert.Single(outcomes);
        Assert.Null(outcome.Error);
        var receipt = (await host.Get<ReceiptQueries>().GetAsync(outcome.Result!.ReceiptId!.Value, userId))!;
        Assert.Equal(RequestStatus.Succeeded, receipt.Status);
        Assert.Equal(60, receipt.CompletionTokens);
        Assert.Equal(receipt.Id, outcome.Receipt!.Id);
        Assert.Equal(receipt.Id, conversation.ReceiptOf(1)!.Id);
        Assert.Equal(receipt.Id.ToString(), chat.Find("[data-testid=assistant-message] [data-testid=footer-receipt]").TextContent);
        Assert.Equal([ChatTurn.User, ChatTurn.Assistant], conversation.Turns.Select(t => t.Role));
        Assert.Empty(chat.FindAll("[data-testid=chat-notice]"));
        Assert.Equal("", conversation.Input);
    }

    [Fact]
    public async Task UpstreamFailure_ShowsTheErrorAsASentence_AndGivesTheMessageBackToTheInput()
    {
        await using var host = GatewayHost.Start();
        var (userId, _) = await host.AddUserAsync(("routed", 2_000_000));
        await using var ctx = PlaygroundPageTests.ContextFor(host.App.Services, userId);
        var conversation = new ChatConversation();
        var outcomes = new List<ChatOutcome>();
        var chat = Render(ctx, conversation, userId, outcomes, RoutePreference.Routed);

        Send(chat, "[sim:fail] Hello");

        chat.WaitForAssertion(() => Assert.Single(outcomes), TimeSpan.FromSeconds(30));
        var error = outcomes[0].Error!;
        Assert.Equal(GatewayErrorKind.UpstreamError, error.Kind);
        var notice = chat.Find("[data-testid=chat-notice]");
        Assert.Contains("mud-alert-text-error", notice.ClassName);
        Assert.Equal(error.Message, notice.TextContent.Trim());
        Assert.DoesNotContain("Exception", notice.TextContent);
        Assert.DoesNotContain(" at ", notice.TextContent);
        Assert.Empty(chat.FindAll("[data-testid=assistant-message]"));
        Assert.Empty(conversation.Turns);
        Assert.Equal("[sim:fail] Hello", conversation.Input);
        Assert.Equal("[sim:fail] Hello", chat.Find("[data-testid=prompt-input] textarea").GetAttribute("value") ?? chat.Find("[data-testid=prompt-input] textarea").TextContent);
    }
}
