using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace TokensForge.Tests.Infrastructure;

/// <summary>Logs a client in through the real Identity login form (antiforgery token and all).</summary>
public static partial class HttpLogin
{
    public static async Task<HttpClient> LoggedInClientAsync(this TokensForgeApp app, string email, string password)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = app.ClientOptions.BaseAddress });
        var form = await client.GetStringAsync("/Account/Login");
        var fields = HiddenInput().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        fields["Input.Email"] = email;
        fields["Input.Password"] = password;
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(fields));
        // Over Kestrel (StartKestrel) the client follows the redirect itself: then success is landing anywhere but the login form.
        var landed = response.RequestMessage?.RequestUri?.AbsolutePath ?? "";
        if (response.StatusCode != HttpStatusCode.Redirect && (response.StatusCode != HttpStatusCode.OK || landed.StartsWith("/Account/Login", StringComparison.OrdinalIgnoreCase)))
            throw new InvalidOperationException($"login of {email} failed with {(int)response.StatusCode}");
        return client;
    }

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)"[^>]*>""")]
    private static partial Regex HiddenInput();
}
