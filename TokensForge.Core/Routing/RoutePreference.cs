namespace TokensForge.Core.Routing;

/// <summary>Which route kinds a caller wants: a key's setting, or the playground's choice.</summary>
public enum RoutePreference
{
    /// <summary>Any kind the wallet can pay; the cheapest payable route at the best priority wins.</summary>
    Auto,

    /// <summary>Official direct routes only.</summary>
    Official,

    /// <summary>Lower-cost routed routes only.</summary>
    Routed,
}

public static class RoutePreferences
{
    public static bool Allows(this RoutePreference preference, RouteKind kind) => preference switch
    {
        RoutePreference.Official => kind == RouteKind.Official,
        RoutePreference.Routed => kind == RouteKind.Routed,
        _ => true,
    };

    public static bool TryParse(string? text, out RoutePreference preference)
    {
        preference = RoutePreference.Auto;
        return text is not null && Enum.TryParse(text.Trim(), ignoreCase: true, out preference) && Enum.IsDefined(preference);
    }
}
