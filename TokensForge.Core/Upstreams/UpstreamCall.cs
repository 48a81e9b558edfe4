using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TokensForge.Core.Routing;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// What every upstream call shares, whatever the capability (<see cref="ChatUpstream"/>, <see cref="EmbeddingUpstream"/>):
/// the route's upstream key in clear only for the Authorization header, three timeouts as one token, and every way
/// of failing reported as an <see cref="UpstreamOutcome"/> — never an exception, and never with the upstream key in
/// it (upstreams sometimes echo it in error bodies).
/// </summary>
public sealed class UpstreamCall(UpstreamKeyProtector keys, TimeProvider time)
{
    private const int MaxErrorChars = 2000;

    /// <summary>
    /// How much of an error body is read: enough for <see cref="MaxErrorChars"/> characters, and enough that an upstream key
    /// cut in two at the end lies beyond them (keys are at most 2000 characters), so redaction never misses half a key.
    /// </summary>
    internal const int MaxErrorBytes = 16 * 1024;

    internal const string UnreadableKey = "The route's upstream key cannot be decrypted (was the Data Protection key ring replaced?). Enter the key again on the route.";

    /// <summary>Starts one call to <paramref name="route"/>: its deadlines run from now.</summary>
    public UpstreamAttempt Start(RouteCandidate route, CancellationToken clientAborted)
    {
        var readable = TryUpstreamKey(route, out var key);
        return new UpstreamAttempt(route, time, clientAborted, readable, key);
    }

    /// <summary>The route's key in clear; false when it cannot be decrypted (the route then fails like a broken upstream).</summary>
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

    /// <summary>A <c>Retry-After</c> header as a wait from <paramref name="now"/>: seconds or an HTTP date; null when absent or past.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : null);
        return wait > TimeSpan.Zero ? wait : null;
    }

    /// <summary>Error text as it may be stored and shown: without the upstream key, and not too long.</summary>
    public static string Clean(string text, string? key)
    {
        if (key is { Length: > 0 }) text = text.Replace(key, "[redacted]", StringComparison.Ordinal);
        return text.Length > MaxErrorChars ? text[..MaxErrorChars] : text;
    }
}

/// <summary>
/// One call to one route: the caller's cancellation and the route's timeouts as one <see cref="Token"/> — connecting
/// (<see cref="RouteCandidate.ConnectTimeout"/>, applied by the HTTP handler), the first byte and then each gap between
/// chunks (<see cref="RouteCandidate.Timeout"/>), and the whole call (<see cref="RouteCandidate.TotalTimeout"/>) — and
/// the <see cref="Outcome"/> being filled in.
/// </summary>
public sealed class UpstreamAttempt : IDisposable
{
    private readonly TimeSpan _idle;
    private readonly CancellationTokenSource _firstByte;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _linked;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly string? _key;
    private readonly int _maxAnswerBytes;

    internal UpstreamAttempt(RouteCandidate route, TimeProvider time, CancellationToken clientAborted, bool keyReadable, string? key)
    {
        _time = time;
        _started = time.GetTimestamp();
        _idle = route.Timeout;
        _key = key;
        _maxAnswerBytes = route.MaxAnswerBytesOrDefault;
        KeyReadable = keyReadable;
        _firstByte = new CancellationTokenSource(route.Timeout, time);
        _total = new CancellationTokenSource(route.TotalTimeoutOrDefault, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, _firstByte.Token, _total.Token);
        ClientAborted = clientAborted;
    }

    public UpstreamOutcome Outcome { get; } = new();

    /// <summary>False when the route's key cannot be decrypted: end the call with <see cref="UnreadableKey"/> before sending anything.</summary>
    public bool KeyReadable { get; }

    /// <summary>The Authorization header value, or null for an upstream without a key.</summary>
    public string? Authorization => _key is null ? null : "Bearer " + _key;

    /// <summary>The key itself, for upstreams that take it in a header of their own (Anthropic's <c>x-api-key</c>).</summary>
    public string? ApiKey => _key;

    public CancellationToken ClientAborted { get; }
    public CancellationToken Token => _linked.Token;
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>The upstream sent something: the idle timeout starts again.</summary>
    public void Heard() => _firstByte.CancelAfter(_idle);

    /// <summary>True once, at the first event relayed to the caller: the output started, and its time to first token is taken.</summary>
    public bool StartsOutput()
    {
        if (Outcome.Started) return false;
        Outcome.Started = true;
        Outcome.TimeToFirstToken = Elapsed;
        return true;
    }

    public UpstreamOutcome UnreadableKey() => Fail(null, UpstreamCall.UnreadableKey);

    /// <summary>The full answer arrived.</summary>
    public UpstreamOutcome Complete()
    {
        Outcome.Kind = UpstreamOutcomeKind.Completed;
        return End();
    }

    /// <summary>Failed before the caller got a byte.</summary>
    public UpstreamOutcome Fail(int? status, string error)
    {
        Outcome.Kind = UpstreamOutcomeKind.FailedBeforeFirstByte;
        Outcome.UpstreamStatus = status;
        Outcome.Error = error;
        return End();
    }

    /// <summary>Stopped after output reached the caller.</summary>
    public UpstreamOutcome Cut(string error)
    {
        Outcome.Kind = UpstreamOutcomeKind.CutAfterFirstByte;
        Outcome.Error = error;
        return End();
    }

    /// <summary>
    /// A JSON answer read whole, but never more than the route's <see cref="Route.MaxAnswerBytes"/>: a bigger one (announced
    /// by its <c>Content-Length</c> or found while reading) throws <see cref="AnswerTooLargeException"/>, which
    /// <see cref="Classify"/> turns into <see cref="UpstreamOutcome.AnswerOverLimit"/>.
    /// </summary>
    public async Task<T?> ReadAnswerAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type)
    {
        var status = (int)response.StatusCode;
        if (response.Content.Headers.ContentLength > _maxAnswerBytes) throw new AnswerTooLargeException(_maxAnswerBytes, status);
        await using var body = new BoundedAnswerStream(await response.Content.ReadAsStreamAsync(Token), _maxAnswerBytes, status);
        return await JsonSerializer.DeserializeAsync(body, type, Token);
    }

    /// <summary>
    /// An event stream's body, each line bounded by the route's <see cref="Route.MaxAnswerBytes"/>: the stream as a whole is
    /// relayed line by line and may be longer, but a line is held whole until its end.
    /// </summary>
    public async Task<Stream> ReadEventsAsync(HttpResponseMessage response) =>
        new BoundedAnswerStream(await response.Content.ReadAsStreamAsync(Token), _maxAnswerBytes, (int)response.StatusCode, perLine: true);

    /// <summary>An error status: its body (cleaned, and only its start) is the error, its <c>Retry-After</c> is remembered for the route.</summary>
    public async Task<UpstreamOutcome> FailAsync(HttpResponseMessage response)
    {
        Outcome.RetryAfter = UpstreamCall.RetryAfterOf(response, _time.GetUtcNow());
        string body;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(Token);
            var buffer = new byte[UpstreamCall.MaxErrorBytes];
            var length = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, Token);
            body = Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            body = "";
        }
        return Fail((int)response.StatusCode, body.Length > 0 ? Clean(body) : response.ReasonPhrase ?? "no body");
    }

    /// <summary>Maps what went wrong to the ended outcome; null lets a genuine bug propagate.</summary>
    public UpstreamOutcome? Classify(Exception ex)
    {
        var started = Outcome.Started;
        // Refit wraps transport failures of the send in its own exception type.
        while (ex is Refit.ApiRequestException { InnerException: { } inner }) ex = inner;
        UpstreamOutcomeKind kind;
        if (ex is AnswerTooLargeException tooLarge)
        {
            Outcome.AnswerOverLimit = tooLarge.Limit;
            Outcome.UpstreamStatus = tooLarge.UpstreamStatus;
            Outcome.Error = tooLarge.Message;
            kind = started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.FailedBeforeFirstByte;
        }
        else if (ClientAborted.IsCancellationRequested && ex is OperationCanceledException or IOException or HttpRequestException) kind = UpstreamOutcomeKind.ClientCancelled;
        else if (ex is ClientGoneException) kind = UpstreamOutcomeKind.ClientCancelled;
        else if (ex is OperationCanceledException && TimedOut is { } which)
        {
            Outcome.Error = which;
            kind = started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.TimedOutBeforeFirstByte;
        }
        else if (ex is HttpRequestException or IOException or JsonException or NotSupportedException)
        {
            Outcome.Error = Clean(ex.GetBaseException().Message);
            kind = started ? UpstreamOutcomeKind.CutAfterFirstByte : UpstreamOutcomeKind.FailedBeforeFirstByte;
        }
        else return null;
        Outcome.Kind = kind;
        return End();
    }

    /// <summary>Text from the upstream as it may be stored and shown.</summary>
    public string Clean(string text) => UpstreamCall.Clean(text, _key);

    /// <summary>Which timeout fired, as a sentence; null when none did.</summary>
    private string? TimedOut =>
        _total.IsCancellationRequested ? "The upstream call took longer than the route's total timeout."
        : _firstByte.IsCancellationRequested ? "The upstream did not answer within the route's timeout."
        : null;

    private UpstreamOutcome End()
    {
        Outcome.Latency = Elapsed;
        return Outcome;
    }

    public void Dispose()
    {
        _linked.Dispose();
        _firstByte.Dispose();
        _total.Dispose();
    }
}

/// <summary>Thrown by a sink when the caller can no longer receive output.</summary>
public sealed class ClientGoneException(string message, Exception? inner = null) : Exception(message, inner);
