using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TokensForge.Core.Upstreams;

/// <summary>
/// How answers are written to <c>/v1</c> callers, as OpenAI writes them: non-ASCII text as UTF-8, not <c>\uXXXX</c>
/// (six bytes for each Chinese character instead of three; these bodies are JSON, never HTML, so HTML-safe escaping buys nothing
/// here and stays the default everywhere else), and an assistant message's <c>content</c> and <c>refusal</c> kept when
/// the upstream sent them as <c>null</c> (a tool call's message has <c>"content": null</c>; SDKs read the field).
/// </summary>
public static class RelayJson
{
    public static readonly JsonSerializerOptions Options = new(OpenAiJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = OpenAiJsonContext.Default.WithAddedModifier(KeepNullsTheUpstreamSent),
    };

    public static JsonTypeInfo<ChatCompletionResponse> ChatCompletion { get; } = TypeInfo<ChatCompletionResponse>();
    public static JsonTypeInfo<ChatCompletionChunk> ChatChunk { get; } = TypeInfo<ChatCompletionChunk>();
    public static JsonTypeInfo<EmbeddingResponse> Embedding { get; } = TypeInfo<EmbeddingResponse>();
    public static JsonTypeInfo<ErrorBody> Error { get; } = TypeInfo<ErrorBody>();

    private static JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static void KeepNullsTheUpstreamSent(JsonTypeInfo type)
    {
        if (type.Type != typeof(ResponseMessage)) return;
        foreach (var property in type.Properties)
        {
            if (property.Name == "content") property.ShouldSerialize = (message, value) => value is not null || ((ResponseMessage)message).ContentSent;
            else if (property.Name == "refusal") property.ShouldSerialize = (message, value) => value is not null || ((ResponseMessage)message).RefusalSent;
        }
    }
}
