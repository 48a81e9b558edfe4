namespace TokensForge.Core.Common;

/// <summary>Checks on text from outside (users, providers) before it is stored.</summary>
public static class TextRules
{
    /// <summary>
    /// Whether <paramref name="value"/> can be stored and shown as it is on every provider: no control characters other
    /// than tab and line breaks (PostgreSQL refuses NUL outright) and no lone surrogate halves (not encodable as UTF-8).
    /// </summary>
    public static bool IsStorable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c) || (char.IsControl(c) && c is not ('\t' or '\n' or '\r')))
            {
                return false;
            }
        }
        return true;
    }
}
