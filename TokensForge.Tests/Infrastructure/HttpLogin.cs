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

    /// <summary>
    /// Loads the static SSR form at <paramref name="path"/> (for its antiforgery token and handler name), fills in
    /// <paramref name="values"/> and posts it, as a browser without JavaScript would.
    /// </summary>
    public static async Task<HttpResponseMessage> SubmitFormAsync(this HttpClient client, string path, IReadOnlyDictionary<string, string> values)
    {
        var form = await client.GetStringAsync(path);
        // The first of each name: a signed-in page carries a second form (log out) with its own token.
        var fields = HiddenInput().Matches(form).GroupBy(m => WebUtility.HtmlDecode(m.Groups["name"].Value))
            .ToDictionary(g => g.Key, g => WebUtility.HtmlDecode(g.First().Groups["value"].Value));
        foreach (var (name, value) in values) fields[name] = value;
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public static HttpClient FormClient(this TokensForgeApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = app.ClientOptions.BaseAddress });

    [GeneratedRegex("""<input[^>]*type="hidden"[^>]*name="(?<name>[^"]+)"[^>]*value="(?<value>[^"]*)"[^>]*>""")]
    private static partial Regex HiddenInput();
}
