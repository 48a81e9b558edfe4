using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>A chat request's prompt tokens, requested output, and the output held per choice and in all.</summary>
public sealed record ChatWeight(int PromptTokens, int? RequestedOutput, int MaxOutputPerChoice, long HeldOutputTokens)
{
    /// <summary>The prompt and the output limit fit the model's context window.</summary>
    public bool Fits(CatalogModel model) => (long)PromptTokens + MaxOutputPerChoice <= model.ContextWindow;
}

/// <summary>
/// <c>POST /v1/chat/completions</c> (and the playground): messages in, a completion or a stream of chunks out. The
/// upstream always gets an output limit, so no answer can cost more than was held, and usage on every stream.
/// </summary>
public sealed class ChatShape(ChatCompletionRequest request, IChatStreamSink? sink, ChatUpstream upstream, TokenCounter tokens, GatewayOptions options,
    TimeProvider time) : IGatewayShape
{
    public const string EndpointName = "chat.completions";

    private static readonly HashSet<string> Roles = new(StringComparer.Ordinal) { "system", "developer", "user", "assistant", "tool", "function" };

    /// <summary>The largest output limit a request may name (10M tokens); the model's context window is checked after.</summary>
    public const int MaxOutputLimit = 10_000_000;

    private int _maxOutputPerChoice;

    public string Endpoint => EndpointName;
    public ModelKind ModelKind => ModelKind.Chat;
    public string? Model => request.Model;
    public bool Stream => request.Stream == true;
    private bool CallerWantsUsage => request.StreamOptions?.IncludeUsage == true;

    public GatewayError? Validate()
    {
        if (Stream && sink is null) throw new InvalidOperationException("A streaming request needs a sink.");
        if (request.Messages is null) return GatewayErrors.Missing("messages");
        if (request.Messages.Count == 0) return GatewayErrors.Invalid("'messages' must contain at least one message.", "messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null) return GatewayErrors.Invalid($"messages[{i}] must be an object.", $"messages[{i}]");
            if (message.Role is null || !Roles.Contains(message.Role))
                return GatewayErrors.Invalid($"messages[{i}].role must be one of {string.Join(", ", Roles)}.", $"messages[{i}].role");
            if (message.Content is { ValueKind: not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null) })
                return GatewayErrors.Invalid($"messages[{i}].content must be a string or an array of content parts.", $"messages[{i}].content");
        }
        if (request.MaxTokens is <= 0) return GatewayErrors.AtLeastOne("max_tokens");
        if (request.MaxCompletionTokens is <= 0) return GatewayErrors.AtLeastOne("max_completion_tokens");
        // No model has a context this large; refusing here keeps absurd limits away from any pricing.
        if (request.MaxTokens > MaxOutputLimit) return GatewayErrors.Invalid($"max_tokens may be at most {MaxOutputLimit}.", "max_tokens");
        if (request.MaxCompletionTokens > MaxOutputLimit)
            return GatewayErrors.Invalid($"max_completion_tokens may be at most {MaxOutputLimit}.", "max_completion_tokens");
        if (request.N is < 1 or > 16) return GatewayErrors.Invalid("n must be between 1 and 16.", "n");
        return null;
    }

    public (PromptBudget? Budget, GatewayError? Error) Measure(CatalogModel model)
    {
        var weight = Weigh(request, model, tokens, options);
        if (!weight.Fits(model)) return (null, GatewayErrors.ContextLengthExceeded(model.ContextWindow, weight.PromptTokens, "messages"));
        _maxOutputPerChoice = weight.MaxOutputPerChoice;
        return (new PromptBudget(weight.PromptTokens, weight.HeldOutputTokens, LimitChosen: weight.RequestedOutput is null), null);
    }

    public bool CapHeldOutput(long heldOutputTokens)
    {
        var perChoice = heldOutputTokens / (request.N ?? 1);
        if (perChoice < 1) return false;
        var capped = (int)Math.Min(perChoice, ChatShape.MaxOutputLimit);
        if (request.MaxCompletionTokens is { } completion) request.MaxCompletionTokens = Math.Min(completion, capped);
        else request.MaxTokens = Math.Min(request.MaxTokens ?? _maxOutputPerChoice, capped);
        return true;
    }

    /// <summary>
    /// What a chat request weighs: its prompt tokens, the output it asked for, and the output to hold (its limit lowered
    /// to the model's maximum, or the model's maximum when it names none — <see cref="OutputLimit"/> — times <c>n</c>).
    /// The playground's hold preview uses the same numbers.
    /// </summary>
    public static ChatWeight Weigh(ChatCompletionRequest request, CatalogModel model, TokenCounter tokens, GatewayOptions options)
    {
        var requested = request.MaxCompletionTokens ?? request.MaxTokens;
        var prompt = tokens.CountPrompt(request);
        var perChoice = OutputLimit.For(requested, model, prompt, options);
        return new ChatWeight(prompt, requested, perChoice, (long)perChoice * (request.N ?? 1));
    }

    public Task<UpstreamOutcome> CallAsync(GatewayRequest gateway, RouteCandidate route, CancellationToken aborted)
    {
        var upstreamRequest = ForUpstream(route);
        return Stream
            ? upstream.StreamAsync(route, upstreamRequest, gateway.Model.Id, CallerWantsUsage, gateway.ReceiptId, sink!, aborted)
            : upstream.CompleteAsync(route, upstreamRequest, gateway.Model.Id, aborted);
    }

    /// <summary>
    /// The request as the upstream gets it: its own model id, usage always reported on streams, and an output
    /// limit always set, so no answer can cost more than was held — in the field the route's upstream reads, whichever
    /// the caller used.
    /// </summary>
    private ChatCompletionRequest ForUpstream(RouteCandidate route)
    {
        var upstreamRequest = new ChatCompletionRequest
        {
            Model = route.UpstreamModelId,
            Messages = request.Messages,
            Stream = request.Stream,
            StreamOptions = Stream ? new StreamOptions { IncludeUsage = true, Extra = request.StreamOptions?.Extra } : null,
            N = request.N,
            Extra = request.Extra,
        };
        OutputLimit.Apply(upstreamRequest, route, _maxOutputPerChoice);
        return upstreamRequest;
    }

    public async Task<string?> AnswerAsync(GatewayRequest gateway, UpstreamOutcome outcome, ChargeDecision decision, CancellationToken aborted)
    {
        if (outcome.Kind != UpstreamOutcomeKind.Completed) return null;
        if (!Stream && outcome.Completion is { } completion)
        {
            completion.Usage ??= decision.Usage;
            return JsonSerializer.Serialize(completion, RelayJson.ChatCompletion);
        }
        if (Stream && CallerWantsUsage && outcome.ReportedUsage is null)
        {
            // The upstream reported no usage: the caller asked for it, so it gets our count (the receipt says estimated).
            await WriteSafelyAsync(() => sink!.WriteAsync(new ChatCompletionChunk
            {
                Id = "chatcmpl-" + gateway.ReceiptId.ToString("N"), Object = "chat.completion.chunk", Created = time.GetUtcNow().ToUnixTimeSeconds(),
                Model = gateway.Model.Id, Choices = [], Usage = decision.Usage,
            }, aborted));
        }
        return sink is StreamTranscript transcript ? transcript.ToJson() : null;
    }

    public async Task EndAsync(UpstreamOutcome outcome, GatewayError? error, CancellationToken aborted)
    {
        if (!Stream) return;
        if (outcome.Kind == UpstreamOutcomeKind.Completed) await WriteSafelyAsync(() => sink!.CompleteAsync(aborted));
        else if (outcome.Kind == UpstreamOutcomeKind.CutAfterFirstByte && error is not null) await WriteSafelyAsync(() => sink!.FailAsync(error, aborted));
    }

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
