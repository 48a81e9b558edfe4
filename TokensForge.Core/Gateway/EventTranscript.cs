using System.Text;
using System.Text.Json;

namespace TokensForge.Core.Gateway;

/// <summary>
/// A streamed answer's typed server-sent events (<c>event:</c> and <c>data:</c>, as <c>/v1/responses</c> and
/// <c>/v1/messages</c> stream) as the caller received them, kept when the request carries an <c>Idempotency-Key</c>: the
/// receipt stores them (a JSON array of <c>{"event", "data"}</c>) so a retry of the same stream is replayed as the same
/// stream, event for event, instead of being refused. Chat's chunks, which have no event names, are
/// <see cref="StreamTranscript"/>'s.
/// </summary>
public sealed class EventTranscript
{
    private readonly List<(string Event, string Data)> _events = [];

    /// <summary>One event the caller received: recorded once delivered, so a replay repeats only what the first stream sent.</summary>
    public void Add(string eventName, string json) => _events.Add((eventName, json));

    /// <summary>The events so far and then <paramref name="closing"/> (those the stream still writes after the receipt), as one JSON array.</summary>
    public string ToJson(params (string Event, string Data)[] closing)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (name, data) in _events.Concat(closing))
            {
                json.WriteStartObject();
                json.WriteString("event", name);
                json.WritePropertyName("data");
                json.WriteRawValue(data, skipInputValidation: true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The events of a stored transcript, each data as the JSON it was sent as.</summary>
    public static IReadOnlyList<(string Event, string Data)> Events(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => (e.GetProperty("event").GetString()!, e.GetProperty("data").GetRawText())).ToList();
    }
}
