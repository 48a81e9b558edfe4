using System.Text.Json;

namespace TokensForge.Web.Formatting;

/// <summary>One field of an audit event that changed, its values cut short for a grid cell.</summary>
public sealed record AuditChange(string Field, string Before, string After);

/// <summary>
/// The fields an audit event changed, read from its before and after JSON: a grid shows what moved instead of two
/// documents that run off the screen. Values past <see cref="MaxValue"/> characters are cut with an ellipsis.
/// </summary>
public static class AuditDiff
{
    public const int MaxValue = 48;

    public static IReadOnlyList<AuditChange> Of(string? beforeJson, string? afterJson)
    {
        var before = Fields(beforeJson);
        var after = Fields(afterJson);
        if (before is null || after is null)
        {
            // Not two objects (a list, a number, unreadable JSON): show both whole, cut short.
            return beforeJson is null && afterJson is null ? [] : [new AuditChange("value", Cut(beforeJson ?? "—"), Cut(afterJson ?? "—"))];
        }
        var changes = new List<AuditChange>();
        foreach (var field in before.Keys.Union(after.Keys))
        {
            var was = before.GetValueOrDefault(field);
            var now = after.GetValueOrDefault(field);
            if (was == now) continue;
            changes.Add(new AuditChange(field, Cut(was ?? "—"), Cut(now ?? "—")));
        }
        return changes;
    }

    /// <summary>The top-level fields of a JSON object as compact text; an absent side is an empty object.</summary>
    private static Dictionary<string, string>? Fields(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString() ?? "",
                JsonValueKind.Null => "—",
                _ => p.Value.GetRawText(),
            });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Cut(string value) => value.Length <= MaxValue ? value : value[..(MaxValue - 1)] + "…";
}
