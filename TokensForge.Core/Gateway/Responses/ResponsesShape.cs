using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TokensForge.Core.Data;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>
/// <c>POST /v1/responses</c>: a Responses request translated to a chat completion for the route's upstream
/// (<see cref="ResponsesTranslation"/>), and the answer translated back — a Response object, or for streams the typed
/// events of <see cref="ResponseStreamWriter"/>. Money is chat's: the same hold (prompt + <c>max_output_tokens</c>, the
/// limit always sent upstream), failure policy and receipt. A completed response is stored for its owner (unless
/// <c>store: false</c>) before the caller sees its end, so a <c>previous_response_id</c> sent right after finds it.
/// A route that speaks Responses natively (<see cref="RouteCandidate.NativeResponses"/>) gets the request passed through
/// instead (<see cref="ResponsesUpstream"/>), and its answer or events are relayed; the gateway still keeps the
/// conversation, so the upstream gets it whole as <c>input</c> (never a <c>previous_response_id</c> it could not know) with
/// <c>store: false</c>.
/// </summary>
public sealed class ResponsesShape(CreateResponseRequest request, IReadOnlyList<JsonElement> history, IResponseEventSink? sink, ChatUpstream upstream,
    TokenCounter tokens, ResponseStore store, GatewayOptions options, ResponsesUpstream native) : IGatewayShape
{
    public const string EndpointName = "responses";

    private ChatTranslation? _chat;
    private int _maxOutput;
    private ResponseStreamWriter? _writer;
    private RecordedResponseSink? _recorded;
    private ResponseStreamEvent? _completion;
    private ResponseObject? _answer;
    private ChargeDecision? _decision;
    private string? _userId;
    private Guid _receiptId;

    /// <summary>The last attempt went to a native route; <see cref="_nativeAnswer"/> is its response, <see cref="_closing"/> a stream's last event.</summary>
    private bool _native;
    private JsonObject? _nativeAnswer;
    private JsonObject? _closing;

    public string Endpoint => EndpointName;
    public ModelKind ModelKind => ModelKind.Chat;
    public string? Model => request.Model;
    public bool Stream => request.Stream == true;
    private bool Stored => request.Store ?? true;

    /// <summary>The response id of a request: its receipt's, so each names the other.</summary>
    public static string ResponseId(Guid receiptId) => "resp_" + receiptId.ToString("N");

    public GatewayError? Validate()
    {
        if (Stream && sink is null) throw new InvalidOperationException("A streaming request needs a sink.");
        (_chat, var error) = ResponsesTranslation.ToChat(request, history);
        return error;
    }

    public (PromptBudget? Budget, GatewayError? Error) Measure(CatalogModel model)
    {
        var prompt = tokens.CountPrompt(new ChatCompletionRequest { Messages = _chat!.Messages, Extra = _chat.Options });
        _maxOutput = OutputLimit.For(request.MaxOutputTokens, model, prompt, options);
        if ((long)prompt + _maxOutput > model.ContextWindow) return (null, GatewayErrors.ContextLengthExceeded(model.ContextWindow, prompt, "input"));
        return (new PromptBudget(prompt, _maxOutput, LimitChosen: request.MaxOutputTokens is null), null);
    }

    public bool CapHeldOutput(long heldOutputTokens)
    {
        if (heldOutputTokens < 1) return false;
        request.MaxOutputTokens = (int)Math.Min(_maxOutput, heldOutputTokens);
        return true;
    }

    public Task<UpstreamOutcome> CallAsync(GatewayRequest gateway, RouteCandidate route, CancellationToken aborted)
    {
        _userId = gateway.Caller.UserId;
        _receiptId = gateway.ReceiptId;
        _native = route.NativeResponses && route.Protocol == RouteProtocol.OpenAi;
        if (_native)
        {
            var id = ResponseId(gateway.ReceiptId);
            _recorded ??= Stream && gateway.Caller.IdempotencyKey is not null ? new RecordedResponseSink(sink!) : null;
            return Stream
                ? native.StreamAsync(route, Passed(route.UpstreamModelId), id, gateway.Model.Id, gateway.ReceiptId, (IResponseEventSink?)_recorded ?? sink!, aborted)
                : native.CreateAsync(route, Passed(route.UpstreamModelId), id, gateway.Model.Id, aborted);
        }
        var chat = new ChatCompletionRequest
        {
            Model = route.UpstreamModelId, Messages = _chat!.Messages, Stream = Stream, StreamOptions = Stream ? new StreamOptions { IncludeUsage = true } : null,
            Extra = _chat.Options,
        };
        OutputLimit.Apply(chat, route, _maxOutput);
        if (!Stream) return upstream.CompleteAsync(route, chat, gateway.Model.Id, aborted);
        // One writer for every route tried: only the route that sends a first chunk ever writes to it.
        // Under an Idempotency-Key the events are kept, so that a retry replays the stream.
        _recorded ??= gateway.Caller.IdempotencyKey is null ? null : new RecordedResponseSink(sink!);
        _writer ??= new ResponseStreamWriter((IResponseEventSink?)_recorded ?? sink!, Skeleton(gateway), gateway.ReceiptId.ToString("N"));
        return upstream.StreamAsync(route, chat, gateway.Model.Id, callerWantsUsage: true, gateway.ReceiptId, _writer, aborted);
    }

    public async Task<string?> AnswerAsync(GatewayRequest gateway, UpstreamOutcome outcome, ChargeDecision decision, CancellationToken aborted)
    {
        _decision = decision;
        if (outcome.Kind != UpstreamOutcomeKind.Completed) return null;
        if (_native)
        {
            if (outcome.NativeAnswer is not { } json) return null;
            var parsed = JsonNode.Parse(json) as JsonObject;
            if (Stream) (_closing, _nativeAnswer) = (parsed, parsed?["response"] as JsonObject);
            else _nativeAnswer = parsed;
            if (_nativeAnswer is null) return null;
            // Echoed as the caller sent them: the upstream was sent store: false and no previous_response_id.
            _nativeAnswer["store"] = Stored;
            _nativeAnswer["previous_response_id"] = request.PreviousResponseId;
            // A stream's retry replays the events relayed and the closing one EndAsync writes.
            return Stream
                ? _recorded?.Transcript.ToJson((_closing!["type"]!.GetValue<string>(), _closing.ToJsonString(RelayJson.Options)))
                : _nativeAnswer.ToJsonString(RelayJson.Options);
        }
        if (_writer is not null)
        {
            // The output's closing events go before the receipt, so the response is whole when the receipt keeps it.
            await WriteSafelyAsync(() => _writer.CloseOutputAsync(aborted));
            _answer = _writer.Response;
            _completion = _writer.Completion(ResponsesTranslation.UsageOf(outcome.ReportedUsage ?? decision.Usage));
            return _recorded?.Transcript.ToJson((_completion.Type, RecordedResponseSink.Serialize(_completion)));
        }
        if (outcome.Completion is not { } completion) return null;
        var answer = Skeleton(gateway);
        (answer.Output, answer.Status, answer.IncompleteDetails) = ResponsesTranslation.FromChat(completion, gateway.ReceiptId.ToString("N"));
        answer.Usage = ResponsesTranslation.UsageOf(completion.Usage ?? decision.Usage);
        _answer = answer;
        return JsonSerializer.Serialize(answer, ResponsesJsonContext.Default.ResponseObject);
    }

    /// <summary>The response and the conversation through it, stored in the receipt's transaction: charged and kept, or neither.</summary>
    public Func<AppDbContext, CancellationToken, Task>? KeptWithReceipt => _native ? KeptNative : _answer is { } answer && Stored
        ? (db, ct) =>
        {
            var output = answer.Output.Select(item => JsonSerializer.SerializeToElement(item, ResponsesJsonContext.Default.ResponseOutputItem));
            var conversation = history.Concat(_chat!.InputItems).Concat(output).ToList();
            return store.SaveAsync(db, answer.Id, _userId!, _receiptId, JsonSerializer.Serialize(answer, ResponsesJsonContext.Default.ResponseObject),
                JsonSerializer.Serialize(conversation, ResponsesJsonContext.Default.ListJsonElement), ct);
        }
        : null;

    /// <summary>A native answer kept like a translated one: the response as relayed, the conversation with its output items.</summary>
    private Func<AppDbContext, CancellationToken, Task>? KeptNative => _nativeAnswer is { } answer && Stored
        ? (db, ct) =>
        {
            var output = (answer["output"] as JsonArray ?? []).Select(item => JsonDocument.Parse(item?.ToJsonString() ?? "null").RootElement.Clone());
            var conversation = history.Concat(_chat!.InputItems).Concat(output).ToList();
            return store.SaveAsync(db, ResponseId(_receiptId), _userId!, _receiptId, answer.ToJsonString(RelayJson.Options),
                JsonSerializer.Serialize(conversation, ResponsesJsonContext.Default.ListJsonElement), ct);
        }
        : null;

    public async Task EndAsync(UpstreamOutcome outcome, GatewayError? error, CancellationToken aborted)
    {
        if (_native)
        {
            if (!Stream || !outcome.Started) return;
            if (outcome.Kind == UpstreamOutcomeKind.Completed && _closing is { } closing)
                await WriteSafelyAsync(() => sink!.WriteRawAsync(closing["type"]!.GetValue<string>(), System.Text.Encoding.UTF8.GetBytes(closing.ToJsonString(RelayJson.Options)), aborted));
            else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null)
                await WriteSafelyAsync(() => sink!.WriteAsync(new ResponseStreamEvent { Type = "error", Code = error.Code, Message = error.Message, Param = error.Param }, aborted));
            return;
        }
        if (outcome.Kind == UpstreamOutcomeKind.Completed)
        {
            if (_writer is not null && _completion is { } completion) await WriteSafelyAsync(() => _writer.EndAsync(completion, aborted));
        }
        else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null && _writer is not null)
        {
            await WriteSafelyAsync(() => _writer.FailAsync(error, ResponsesTranslation.UsageOf(_decision!.Usage), aborted));
        }
    }

    /// <summary>
    /// The request as a native upstream gets it: every field as the caller sent it (unknown ones too), the model renamed,
    /// <c>max_output_tokens</c> as held, <c>store: false</c> (the gateway keeps responses; the upstream's copy would be an
    /// id nobody holds), and a conversation continued by <c>previous_response_id</c> sent whole as <c>input</c>.
    /// </summary>
    private JsonObject Passed(string upstreamModel)
    {
        var body = JsonSerializer.SerializeToNode(request, ResponsesJsonContext.Default.CreateResponseRequest)!.AsObject();
        body["model"] = upstreamModel;
        body["max_output_tokens"] = _maxOutput;
        body["store"] = false;
        body.Remove("previous_response_id");
        if (history.Count > 0) body["input"] = new JsonArray(history.Concat(_chat!.InputItems).Select(item => JsonNode.Parse(item.GetRawText())).ToArray());
        return body;
    }

    private ResponseObject Skeleton(GatewayRequest gateway) =>
        ResponsesTranslation.Skeleton(request, ResponseId(gateway.ReceiptId), new DateTimeOffset(gateway.StartedAt, TimeSpan.Zero).ToUnixTimeSeconds(), gateway.Model.Id);

    private static async Task WriteSafelyAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex) when (ex is ClientGoneException or OperationCanceledException or IOException)
        {
            // The caller left after the receipt was written; there is nobody to tell.
        }
    }
}
