using System.Globalization;
using System.Text.Json;

namespace TokensForge.Web.Formatting;

/// <summary>One field an audit event changed, its values as people read them ("—" when the side has no such field).</summary>
public sealed record AuditChange(string Field, string Before, string After, bool Secret = false);

/// <summary>
/// The fields an audit event changed, read from its before and after JSON: field, before and after, unchanged fields left
/// out. Nested objects read as dotted fields; amounts of money read as money; a secret (a password, a key, a hash) is never
/// shown, only that it changed. Values past <see cref="MaxValue"/> characters are cut with an ellipsis.
/// </summary>
public static class AuditDiff
{
    public const int MaxValue = 160;

    public const string Hidden = "(hidden)";

    /// <summary>Field names (their last part, any case) whose values are secrets.</summary>
    private static readonly string[] SecretEndings = ["secret", "password", "passwordhash", "hash", "token", "upstreamkey", "apikey", "privatekey", "securitystamp"];

    /// <summary>Field names (their last part, any case) that hold money in micro-units.</summary>
    private static readonly string[] MoneyEndings = ["amount", "amountperclaim", "budget", "price", "spendlimit", "balance"];

    public static IReadOnlyList<AuditChange> Of(string? beforeJson, string? afterJson)
    {
        var before = Fields(beforeJson);
        var after = Fields(afterJson);
        if (before is null || after is null)
        {
            // Not two objects (a list, a number, unreadable JSON): one value each side, cut short.
            return beforeJson is null && afterJson is null ? [] : [new AuditChange("value", Cut(beforeJson ?? "—"), Cut(afterJson ?? "—"))];
        }
        var changes = new List<AuditChange>();
        foreach (var field in before.Keys.Union(after.Keys))
        {
            var was = before.GetValueOrDefault(field);
            var now = after.GetValueOrDefault(field);
            if ((was ?? "—") == (now ?? "—")) continue;
            if (IsSecret(field))
            {
                changes.Add(new AuditChange(field, was is null ? "—" : Hidden, now is null ? "—" : Hidden, Secret: true));
                continue;
            }
            changes.Add(new AuditChange(field, Cut(Readable(field, was)), Cut(Readable(field, now))));
        }
        return changes;
    }

    private static bool IsSecret(string field) => EndsWithAny(field, SecretEndings);

    private static bool EndsWithAny(string field, string[] endings)
    {
        var last = field[(field.LastIndexOf('.') + 1)..];
        return endings.Any(e => last.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    private static string Readable(string field, string? value) => value switch
    {
        null => "—",
        _ when EndsWithAny(field, MoneyEndings) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros) => Format.Money(micros),
        // JSON dates are ISO 8601 ("2026-06-01T12:00:00Z"); anything else stays as written.
        _ when value.Length >= 19 && value[4] == '-' && value[10] == 'T'
            && DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) => Format.Time(at),
        "true" => "yes",
        "false" => "no",
        _ => value,
    };

    /// <summary>The fields of a JSON object as text, nested objects as dotted names; an absent side is an empty object.</summary>
    private static Dictionary<string, string>? Fields(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            Flatten(doc.RootElement, "", fields);
            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, string> into)
    {
        foreach (var p in element.EnumerateObject())
        {
            var name = prefix + p.Name;
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, name + ".", into);
                    break;
                case JsonValueKind.Array when p.Value.EnumerateArray().All(v => v.ValueKind is JsonValueKind.String or JsonValueKind.Number):
                    // A list of plain values (roles, say) reads as a list.
                    into[name] = string.Join(", ", p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()));
                    break;
                case JsonValueKind.String:
                    into[name] = p.Value.GetString() ?? "";
                    break;
                case JsonValueKind.Null:
                    into[name] = "—";
                    break;
                default:
                    into[name] = p.Value.GetRawText();
                    break;
            }
        }
    }

    private static string Cut(string value) => value.Length <= MaxValue ? value : value[..(MaxValue - 1)] + "…";
}
