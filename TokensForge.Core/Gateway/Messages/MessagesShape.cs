using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Messages;

/// <summary>
/// <c>POST /v1/messages</c>: Anthropic's Messages API. On an OpenAI route the request is translated to a chat completion
/// (<see cref="MessagesTranslator"/>) and the answer or stream translated back; on an Anthropic route it is passed
/// through (<see cref="AnthropicUpstream"/>: the model renamed, <c>max_tokens</c> as held) and the answer or events relayed
/// as the upstream wrote them. Either way it is held for the prompt (counted on the translated request) and
/// <c>max_tokens</c> like chat, and money moves exactly as for chat: same holds, failure policy and receipts. Each
/// attempt picks its way by its route, so a failover may cross protocols (nothing reached the caller before it).
/// </summary>
public sealed class MessagesShape(MessagesRequest request, IMessagesStreamSink? sink, ChatUpstream upstream, TokenCounter tokens, AnthropicUpstream anthropic)
    : IGatewayShape
{
    public const string EndpointName = "messages";

    private ChatCompletionRequest? _chat;
    private MessagesStreamTranslator? _stream;
    private int _maxOutput;
    private RecordedMessagesSink? _recorded;

    /// <summary>The last attempt went to an Anthropic route: its answer and events are the upstream's own.</summary>
    private bool _native;

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
        _native = route.Protocol == RouteProtocol.Anthropic;
        _stream = null;
        if (_native)
        {
            var native = Passed(route.UpstreamModelId);
            return Stream
                ? anthropic.StreamAsync(route, native, gateway.Model.Id, gateway.ReceiptId, sink!, aborted)
                : anthropic.CreateAsync(route, native, gateway.Model.Id, aborted);
        }
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
        // Passed through: the upstream's answer as it came; a relayed stream already carried its message_delta.
        if (_native) return Stream ? null : outcome.NativeAnswer;
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
        if (Stream && _native && outcome.Started)
        {
            if (outcome.Kind == UpstreamOutcomeKind.Completed) await WriteSafelyAsync(() => sink!.WriteAsync("message_stop", MessageStop, aborted));
            else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null) await WriteSafelyAsync(() => sink!.FailAsync(error, aborted));
            return;
        }
        if (!Stream || _stream is not { } stream) return;
        if (outcome.Kind == UpstreamOutcomeKind.Completed) await WriteSafelyAsync(() => stream.CompleteAsync(aborted));
        else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null) await WriteSafelyAsync(() => stream.FailAsync(error, aborted));
    }

    /// <summary>
    /// The caller's request as an Anthropic upstream gets it: every field as it came (unknown ones included), the model
    /// renamed to the upstream's and <c>max_tokens</c> as held (a cost ceiling may have lowered it).
    /// </summary>
    private MessagesRequest Passed(string upstreamModel) => new()
    {
        Model = upstreamModel,
        Messages = request.Messages,
        System = request.System,
        MaxTokens = request.MaxTokens,
        StopSequences = request.StopSequences,
        Temperature = request.Temperature,
        TopP = request.TopP,
        TopK = request.TopK,
        Metadata = request.Metadata,
        Stream = request.Stream,
        Tools = request.Tools,
        ToolChoice = request.ToolChoice,
        Extra = request.Extra,
    };

    private static readonly byte[] MessageStop = JsonSerializer.SerializeToUtf8Bytes(new MessageStopEvent(), MessagesJsonContext.Default.MessageStopEvent);

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
