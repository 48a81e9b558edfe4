using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace TokensForge.Core.Campaigns;

/// <summary>
/// Redeem codes look like <c>TF-7K3M-Q9XD-2HWP</c>: the prefix and three groups of four characters from an
/// alphabet without look-alikes (no 0/O, 1/I/L, U), so a code read aloud or copied by hand survives. Input is
/// case-insensitive and dashes and spaces are ignored; the prefix may be left out.
/// </summary>
public static class RedeemCodeFormat
{
    public const string Prefix = "TF";

    /// <summary>28 characters; 12 of them give about 57 bits of randomness per code.</summary>
    public const string Alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

    public const int GroupCount = 3;
    public const int GroupLength = 4;
    private const int BodyLength = GroupCount * GroupLength;

    /// <summary>A new crypto-random code in canonical form.</summary>
    public static string Generate() => Canonical(RandomNumberGenerator.GetString(Alphabet, BodyLength));

    /// <summary>Reads what a person typed into the canonical form; false when it cannot be a code at all.</summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? code)
    {
        code = null;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 64) return false;
        var compact = new StringBuilder(input.Length);
        foreach (var c in input)
        {
            if (c == '-' || char.IsWhiteSpace(c)) continue;
            compact.Append(char.ToUpperInvariant(c));
        }
        var text = compact.ToString();
        if (text.Length == Prefix.Length + BodyLength && text.StartsWith(Prefix, StringComparison.Ordinal)) text = text[Prefix.Length..];
        if (text.Length != BodyLength || text.Any(c => !Alphabet.Contains(c))) return false;
        code = Canonical(text);
        return true;
    }

    /// <summary>True when <paramref name="code"/> is already in canonical form.</summary>
    public static bool IsCanonical(string code) => TryNormalize(code, out var normalized) && normalized == code;

    private static string Canonical(string body)
    {
        var groups = Enumerable.Range(0, GroupCount).Select(i => body.Substring(i * GroupLength, GroupLength));
        return Prefix + "-" + string.Join('-', groups);
    }
}
