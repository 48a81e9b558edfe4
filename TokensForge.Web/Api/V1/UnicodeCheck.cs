using System.Text.Json;
using System.Text.Unicode;

namespace TokensForge.Web.Api.V1;

/// <summary>
/// Finds JSON text that cannot become a string: raw bytes that are not UTF-8, or an escape such as <c>"\ud800"</c>
/// naming half of a surrogate pair. The parser keeps message content as raw JSON, so without this check such text
/// failed later, while it was counted or relayed.
/// </summary>
public static class UnicodeCheck
{
    /// <summary>
    /// The top-level property holding the first undecodable string (empty when it is a top-level key itself), or null
    /// when every string decodes — or the body is not JSON at all, which the parser reports in its own words.
    /// </summary>
    public static string? FindUndecodable(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var topLevel = "";
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)) continue;
                if (!Decodes(ref reader)) return topLevel;
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1) topLevel = reader.GetString()!;
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return null;
    }

    private static bool Decodes(ref Utf8JsonReader reader)
    {
        // Unescaped text is raw UTF-8: validating the bytes is enough and allocates nothing (a base64 image can be megabytes).
        if (!reader.ValueIsEscaped) return Utf8.IsValid(reader.ValueSpan);
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
