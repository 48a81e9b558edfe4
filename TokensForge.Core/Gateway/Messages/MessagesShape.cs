using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Messages;

/// <summary>
/// <c>POST /v1/messages</c>: Anthropic's Messages API in front of OpenAI-compatible upstreams. The request is translated
/// to a chat completion (<see cref="MessagesTranslator"/>), held for the prompt and <c>max_tokens</c> like chat, and the
/// answer or stream translated back. Money moves exactly as for chat: same holds, failure policy and receipts.
/// </summary>
public sealed class MessagesShape(MessagesRequest request, IMessagesStreamSink? sink, ChatUpstream upstream, TokenCounter tokens) : IGatewayShape
{
    public const string EndpointName = "messages";

    private ChatCompletionRequest? _chat;
    private MessagesStreamTranslator? _stream;
    private int _maxOutput;
    private RecordedMessagesSink? _recorded;

    public string Endpoint => EndpointName;
    public ModelKind ModelKind => ModelKind.Chat;
    public string? Model => request.Model;
    public bool Stream => request.Stream == true;

    public GatewayError? Validate()
    {
        if (Stream && sink is null) throw new InvalidOperationException("A streaming request needs a sink.");
        var (chat, error) = MessagesTranslator.ToChat(request);
        _chat = chat;
        return error;
    }

    /// <summary>What <c>count_tokens</c> answers: the prompt tokens the gateway would hold for, counted on the translated request.</summary>
    public static (int? InputTokens, GatewayError? Error) CountInputTokens(MessagesRequest request, TokenCounter tokens)
    {
        var (chat, error) = MessagesTranslator.ToChat(request, forCounting: true);
        return error is not null ? (null, error) : (tokens.CountPrompt(chat!), null);
    }

    public (PromptBudget? Budget, GatewayError? Error) Measure(CatalogModel model)
    {
        var prompt = tokens.CountPrompt(_chat!);
        // max_tokens is required here, so always the caller's own: lowered to the model's maximum, never chosen.
        _maxOutput = OutputLimit.Clamp(request.MaxTokens!.Value, model);
        if ((long)prompt + _maxOutput > model.ContextWindow) return (null, GatewayErrors.ContextLengthExceeded(model.ContextWindow, prompt, "messages"));
        return (new PromptBudget(prompt, _maxOutput), null);
    }

    public bool CapHeldOutput(long heldOutputTokens)
    {
        if (heldOutputTokens < 1) return false;
        request.MaxTokens = (int)Math.Min(_maxOutput, heldOutputTokens);
        return true;
    }

    public Task<UpstreamOutcome> CallAsync(GatewayRequest gateway, RouteCandidate route, CancellationToken aborted)
    {
        var chat = new ChatCompletionRequest
        {
            Model = route.UpstreamModelId,
            Messages = _chat!.Messages,
            Stream = Stream ? true : null,
            StreamOptions = Stream ? new StreamOptions { IncludeUsage = true } : null,
            Extra = _chat.Extra,
        };
        OutputLimit.Apply(chat, route, _maxOutput);
        if (!Stream) return upstream.CompleteAsync(route, chat, gateway.Model.Id, aborted);
        // A stream under an Idempotency-Key keeps its events, so that a retry replays it.
        if (gateway.Caller.IdempotencyKey is not null) _recorded ??= new RecordedMessagesSink(sink!);
        // A new translator per attempt: nothing reached the caller before a failover.
        _stream = new MessagesStreamTranslator((IMessagesStreamSink?)_recorded ?? sink!, gateway.Model.Id, gateway.PromptTokens, request.StopSequences);
        return upstream.StreamAsync(route, chat, gateway.Model.Id, callerWantsUsage: false, gateway.ReceiptId, _stream, aborted);
    }

    public async Task<string?> AnswerAsync(GatewayRequest gateway, UpstreamOutcome outcome, ChargeDecision decision, CancellationToken aborted)
    {
        if (outcome.Kind != UpstreamOutcomeKind.Completed) return null;
        var usage = MessagesUsage.From(decision.Tokens);
        if (!Stream && outcome.Completion is { } completion)
        {
            var message = MessagesTranslator.ToMessage(completion, "msg_" + gateway.ReceiptId.ToString("N"), gateway.Model.Id, request.StopSequences, usage);
            return JsonSerializer.Serialize(message, MessagesJsonContext.Default.MessageResponse);
        }
        if (Stream && _stream is { } stream) await WriteSafelyAsync(() => stream.FinishAsync(usage, aborted));
        return _recorded?.Transcript.ToJson(MessagesStreamTranslator.MessageStop);
    }

    public async Task EndAsync(UpstreamOutcome outcome, GatewayError? error, CancellationToken aborted)
    {
        if (!Stream || _stream is not { } stream) return;
        if (outcome.Kind == UpstreamOutcomeKind.Completed) await WriteSafelyAsync(() => stream.CompleteAsync(aborted));
        else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null) await WriteSafelyAsync(() => stream.FailAsync(error, aborted));
    }

    private static async Task WriteSafelyAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex) when (ex is ClientGoneException or OperationCanceledException or IOException)
        {
            // The caller left; the receipt says what was charged.
        }
    }
}
