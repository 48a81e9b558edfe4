using System.Net.Http.Json;
using System.Text.Json;
using TokensForge.Core.Routing;
using TokensForge.Core.Upstreams;

namespace TokensForge.Core.Gateway;

/// <summary>
/// Calls one route's upstream and relays its answer. Streams go chunk by chunk from the upstream's body to the
/// sink (nothing is buffered). Three timeouts apply: connecting (<see cref="RouteCandidate.ConnectTimeout"/>), the
/// first byte and then each gap between chunks (<see cref="RouteCandidate.Timeout"/>), and the whole call
/// (<see cref="RouteCandidate.TotalTimeout"/>). Every way of ending is reported as an <see cref="UpstreamOutcome"/>;
/// the route's upstream key never appears in one (upstreams sometimes echo it in error bodies).
/// </summary>
public sealed class ChatUpstreamCall(IOpenAiUpstream upstream, UpstreamKeyProtector keys, TimeProvider time)
{
    private const int MaxErrorChars = 2000;

    public async Task<UpstreamOutcome> CompleteAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        using var call = new Deadlines(route, time, clientAborted);
        if (!TryUpstreamKey(route, out var key)) return call.End(Failed(outcome, null, UnreadableKey));
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, Authorization(key), route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return call.End(await FailedAsync(outcome, response, key, call.Token));
            var completion = await response.Content.ReadFromJsonAsync(OpenAiJsonContext.Default.ChatCompletionResponse, call.Token);
            if (completion?.Choices is null) return call.End(Failed(outcome, (int)response.StatusCode, "The upstream's answer was not a chat completion."));
            completion.Model = publicModel;
            foreach (var choice in completion.Choices) outcome.Deliver(choice.Message);
            outcome.Completion = completion;
            outcome.ReportedUsage = completion.Usage;
            outcome.TimeToFirstToken = call.Elapsed;
            outcome.Kind = UpstreamOutcomeKind.Completed;
            return call.End(outcome);
        }
        catch (Exception ex) when (Classify(ex, call, outcome, key, started: false) is { } kind)
        {
            outcome.Kind = kind;
            return call.End(outcome);
        }
    }

    public async Task<UpstreamOutcome> StreamAsync(RouteCandidate route, ChatCompletionRequest request, string publicModel, bool callerWantsUsage,
        Guid receiptId, IChatStreamSink sink, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        using var call = new Deadlines(route, time, clientAborted);
        if (!TryUpstreamKey(route, out var key)) return call.End(Failed(outcome, null, UnreadableKey));
        try
        {
            using var response = await upstream.CreateChatCompletionAsync(request, Authorization(key), route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return call.End(await FailedAsync(outcome, response, key, call.Token));
            await using var body = await response.Content.ReadAsStreamAsync(call.Token);
            using var reader = new StreamReader(body);
            while (true)
            {
                var line = await reader.ReadLineAsync(call.Token);
                if (line is null)
                    return call.End(outcome.Started ? Cut(outcome, "The upstream closed the stream before [DONE].") : Failed(outcome, 200, "The upstream closed the stream before any data."));
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                var data = line.AsSpan(5).Trim();
                if (data.SequenceEqual("[DONE]"))
                {
                    outcome.Kind = UpstreamOutcomeKind.Completed;
                    return call.End(outcome);
                }

                var chunk = Parse(data);
                if (chunk is null)
                {
                    var message = $"The upstream sent an error or an unreadable event: {Clean(data.ToString(), key)}";
                    return call.End(outcome.Started ? Cut(outcome, message) : Failed(outcome, 200, message));
                }
                call.Heard();
                if (chunk.Usage is not null) outcome.ReportedUsage = chunk.Usage;
                chunk.Model = publicModel;
                if (!callerWantsUsage)
                {
                    chunk.Usage = null;
                    if (chunk.Choices is not { Count: > 0 }) continue;
                }

                if (!outcome.Started)
                {
                    outcome.Started = true;
                    outcome.TimeToFirstToken = call.Elapsed;
                    await sink.StartAsync(receiptId, clientAborted);
                }
                await sink.WriteAsync(chunk, clientAborted);
                foreach (var choice in chunk.Choices ?? []) outcome.Deliver(choice.Delta);
            }
        }
        catch (Exception ex) when (Classify(ex, call, outcome, key, outcome.Started) is { } kind)
        {
            outcome.Kind = kind;
            return call.End(outcome);
        }
    }

    public async Task<UpstreamOutcome> EmbedAsync(RouteCandidate route, EmbeddingRequest request, string publicModel, CancellationToken clientAborted)
    {
        var outcome = new UpstreamOutcome();
        using var call = new Deadlines(route, time, clientAborted);
        if (!TryUpstreamKey(route, out var key)) return call.End(Failed(outcome, null, UnreadableKey));
        try
        {
            using var response = await upstream.CreateEmbeddingAsync(request, Authorization(key), route.BaseUrl, route.ConnectTimeoutOrDefault, call.Token);
            if (!response.IsSuccessStatusCode) return call.End(await FailedAsync(outcome, response, key, call.Token));
            var embedding = await response.Content.ReadFromJsonAsync(OpenAiJsonContext.Default.EmbeddingResponse, call.Token);
            if (embedding?.Data is null) return call.End(Failed(outcome, (int)response.StatusCode, "The upstream's answer was not an embeddings list."));
            embedding.Model = publicModel;
            outcome.Embedding = embedding;
            outcome.ReportedUsage = embedding.Usage;
            outcome.TimeToFirstToken = call.Elapsed;
            outcome.Kind = UpstreamOutcomeKind.Completed;
            return call.End(outcome);
        }
        catch (Exception ex) when (Classify(ex, call, outcome, key, started: false) is { } kind)
        {
            outcome.Kind = kind;
            return call.End(outcome);
        }
    }

    private const string UnreadableKey = "The route's upstream key cannot be decrypted (was the Data Protection key ring replaced?). Enter the key again on the route.";

    /// <summary>The route's key in clear, only for the Authorization header; false when it cannot be decrypted (the route then fails like a broken upstream).</summary>
    private bool TryUpstreamKey(RouteCandidate route, out string? key)
    {
        key = null;
        if (route.ProtectedUpstreamKey is not { Length: > 0 } stored) return true;
        try
        {
            key = keys.Unprotect(stored);
            return true;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static string? Authorization(string? key) => key is null ? null : "Bearer " + key;

    private static ChatCompletionChunk? Parse(ReadOnlySpan<char> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data.ToString());
            if (document.RootElement.ValueKind != JsonValueKind.Object || document.RootElement.TryGetProperty("error", out _)) return null;
            return document.RootElement.Deserialize(OpenAiJsonContext.Default.ChatCompletionChunk);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Maps what went wrong to an outcome; null lets a genuine bug propagate.</summary>
    private static UpstreamOutcomeKind? Classify(Exception ex, Deadlines call, UpstreamOutcome outcome, string? key, bool started)
    {
        // Refit wraps transport failures of the send in its own exception type.
        while (ex is Refit.ApiRequestException { InnerException: { } inner }) ex = inner;
        if (call.ClientAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException)
            return UpstreamOutcomeKind.ClientCancelled;
        if (ex is ClientGoneException) return UpstreamOutcomeKind.ClientCancelled;
        if (ex is OperationCanceledException && call.TimedOut is { } which)
        {
            outcome.Error = which;
            return started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.TimedOutBeforeFirstByte;
        }
        if (ex is HttpRequestException or IOException or JsonException or NotSupportedException)
        {
            outcome.Error = Clean(ex.GetBaseException().Message, key);
            return started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.FailedBeforeFirstByte;
        }
        return null;
    }

    private async Task<UpstreamOutcome> FailedAsync(UpstreamOutcome outcome, HttpResponseMessage response, string? key, CancellationToken ct)
    {
        outcome.RetryAfter = RetryAfterOf(response, time.GetUtcNow());
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            body = "";
        }
        return Failed(outcome, (int)response.StatusCode, body.Length > 0 ? Clean(body, key) : response.ReasonPhrase ?? "no body");
    }

    /// <summary>A <c>Retry-After</c> header as a wait from <paramref name="now"/>: seconds or an HTTP date; null when absent or past.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return wait > TimeSpan.Zero ? wait : null;
    }

    private static UpstreamOutcome Failed(UpstreamOutcome outcome, int? status, string error)
    {
        outcome.Kind = UpstreamOutcomeKind.FailedBeforeFirstByte;
        outcome.UpstreamStatus = status;
        outcome.Error = error;
        return outcome;
    }

    private static UpstreamOutcome Cut(UpstreamOutcome outcome, string error)
    {
        outcome.Kind = UpstreamOutcomeKind.CutAfterFirstByte;
        outcome.Error = error;
        return outcome;
    }

    /// <summary>Error text as it may be stored and shown: without the upstream key, and not too long.</summary>
    public static string Clean(string text, string? key)
    {
        if (key is { Length: > 0 }) text = text.Replace(key, "[redacted]", StringComparison.Ordinal);
        return text.Length > MaxErrorChars ? text[..MaxErrorChars] : text;
    }

    /// <summary>The timeouts of one call and the caller's cancellation, as one token.</summary>
    private sealed class Deadlines : IDisposable
    {
        private readonly TimeSpan _idle;
        private readonly CancellationTokenSource _firstByte;
        private readonly CancellationTokenSource _total;
        private readonly CancellationTokenSource _linked;
        private readonly TimeProvider _time;
        private readonly long _started;

        public Deadlines(RouteCandidate route, TimeProvider time, CancellationToken clientAborted)
        {
            _time = time;
            _started = time.GetTimestamp();
            _idle = route.Timeout;
            _firstByte = new CancellationTokenSource(route.Timeout, time);
            _total = new CancellationTokenSource(route.TotalTimeoutOrDefault, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, _firstByte.Token, _total.Token);
            ClientAborted = clientAborted;
        }

        public CancellationToken ClientAborted { get; }
        public CancellationToken Token => _linked.Token;
        public TimeSpan Elapsed => _time.GetElapsedTime(_started);

        /// <summary>Which timeout fired, as a sentence; null when none did.</summary>
        public string? TimedOut =>
            _total.IsCancellationRequested ? "The upstream call took longer than the route's total timeout."
            : _firstByte.IsCancellationRequested ? "The upstream did not answer within the route's timeout."
            : null;

        /// <summary>The upstream sent something: the idle timeout starts again.</summary>
        public void Heard() => _firstByte.CancelAfter(_idle);

        public UpstreamOutcome End(UpstreamOutcome outcome)
        {
            outcome.Latency = Elapsed;
            return outcome;
        }

        public void Dispose()
        {
            _linked.Dispose();
            _firstByte.Dispose();
            _total.Dispose();
        }
    }
}

/// <summary>Thrown by a sink when the caller can no longer receive output.</summary>
public sealed class ClientGoneException(string message, Exception? inner = null) : Exception(message, inner);
