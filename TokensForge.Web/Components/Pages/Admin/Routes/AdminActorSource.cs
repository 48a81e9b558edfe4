using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using TokensForge.Core.Routing;
using TokensForge.Web.Extensions;

namespace TokensForge.Web.Components.Pages.Admin.Routes;

/// <summary>The signed-in admin and the circuit's client IP, as the audit trail records them.</summary>
public static class AdminActorSource
{
    public static async Task<AdminActor> ActorAsync(Task<AuthenticationState> state, ClientAddress client)
    {
        var user = (await state).User;
        return new AdminActor(user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown", client.Ip);
    }
}
