using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace TokensForge.Core.ApiKeys;

/// <summary>Makes and hashes key secrets: <c>tf-</c> followed by 32 random bytes in base62.</summary>
public static class ApiKeySecret
{
    public const string Scheme = "tf-";
    public const int PrefixLength = 11;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new secret. 32 bytes always fit in 43 base62 digits, so every secret has the same length.</summary>
    public static string Generate()
    {
        var value = new BigInteger(RandomNumberGenerator.GetBytes(32), isUnsigned: true);
        var digits = new char[43];
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            value = BigInteger.DivRem(value, 62, out var remainder);
            digits[i] = Alphabet[(int)remainder];
        }
        return Scheme + new string(digits);
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string PrefixOf(string secret) => secret[..Math.Min(PrefixLength, secret.Length)];

    /// <summary>Whether the text has the shape of a secret; anything else is refused before hashing.</summary>
    public static bool LooksValid(string secret) =>
        secret.Length == Scheme.Length + 43 && secret.StartsWith(Scheme, StringComparison.Ordinal) && secret.AsSpan(Scheme.Length).IndexOfAnyExcept(Alphabet) < 0;
}
