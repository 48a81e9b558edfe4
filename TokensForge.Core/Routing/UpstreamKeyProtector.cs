using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;

namespace TokensForge.Core.Routing;

/// <summary>Encrypts upstream API keys at rest with ASP.NET Data Protection (key ring shared through the database).</summary>
/// <remarks>
/// Every gateway request needs its route's key in clear, and decrypting it (key-ring lookup, AES and HMAC) was a visible
/// share of a request's CPU: keys are decrypted once per stored ciphertext and kept in memory, where the process holds
/// them anyway while it calls the upstream. A key entered again is a new ciphertext; a key that fails to decrypt is not kept.
/// </remarks>
public sealed class UpstreamKeyProtector(IDataProtectionProvider provider)
{
    /// <summary>Far more than there are routes: past it the memo starts again rather than grow.</summary>
    private const int MaxRemembered = 1024;

    private readonly IDataProtector _protector = provider.CreateProtector("TokensForge.Routing.UpstreamKey.v1");
    private readonly ConcurrentDictionary<string, string> _clear = new(StringComparer.Ordinal);

    public string Protect(string upstreamKey) => _protector.Protect(upstreamKey);

    public string Unprotect(string protectedKey)
    {
        if (_clear.TryGetValue(protectedKey, out var key)) return key;
        key = _protector.Unprotect(protectedKey);
        if (_clear.Count >= MaxRemembered) _clear.Clear();
        _clear[protectedKey] = key;
        return key;
    }
}
