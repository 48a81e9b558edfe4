using Microsoft.AspNetCore.DataProtection;

namespace TokensForge.Core.Routing;

/// <summary>Encrypts upstream API keys at rest with ASP.NET Data Protection (key ring shared through the database).</summary>
public sealed class UpstreamKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("TokensForge.Routing.UpstreamKey.v1");

    public string Protect(string upstreamKey) => _protector.Protect(upstreamKey);

    public string Unprotect(string protectedKey) => _protector.Unprotect(protectedKey);
}
