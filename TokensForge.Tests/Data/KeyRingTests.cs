using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using TokensForge.Core.Routing;
using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Data;

/// <summary>The Data Protection key ring at rest: encrypted with a configured certificate or kept outside the database.</summary>
public sealed class KeyRingTests : IDisposable
{
    private const string CertificatePassword = "ring-pass-1";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tf-keyring-tests", Guid.NewGuid().ToString("N"));

    public KeyRingTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task Certificate_RingStoredEncrypted_AndUpstreamKeyUnreadableByAHostWithoutIt()
    {
        var upstreamKey = "sk-ring-" + Guid.NewGuid().ToString("N");
        await using var protectedHost = GatewayHost.Start(new Dictionary<string, string?>
        {
            ["Simulator:ApiKey"] = upstreamKey,
            ["DataProtection:Certificate:Path"] = WriteCertificate(),
            ["DataProtection:Certificate:Password"] = CertificatePassword,
        });
        var (userId, _) = await protectedHost.AddUserAsync(("routed", 5_000_000));
        var secret = (await protectedHost.CreateKeyAsync(userId)).Secret;

        var served = await protectedHost.Client(secret).PostAsJsonAsync("v1/chat/completions", ChatBody);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        await using (var db = protectedHost.NewContext())
        {
            var ring = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
            Assert.NotEmpty(ring);
            Assert.All(ring, xml =>
            {
                Assert.Contains("EncryptedKey", xml);
                Assert.DoesNotContain("<masterKey", xml);
            });
            var stored = await db.Routes.Where(r => r.Name == SimulatorRoutes.RoutedName).Select(r => r.ProtectedUpstreamKey).SingleAsync();
            Assert.DoesNotContain(upstreamKey, stored!);

            // Another host on the same database, without the certificate, can neither decrypt the key nor use the route.
            await using var stranger = GatewayHost.Start(new Dictionary<string, string?>
            {
                ["Simulator:ApiKey"] = upstreamKey,
                ["ConnectionStrings:Default"] = $"Data Source={Path.Combine(protectedHost.App.DatabaseDirectory, "app.db")}",
            });
            Assert.ThrowsAny<CryptographicException>(() => stranger.Get<UpstreamKeyProtector>().Unprotect(stored!));
            var refused = await stranger.Client(secret).PostAsJsonAsync("v1/chat/completions", ChatBody);
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.DoesNotContain(upstreamKey, await refused.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task NoProtection_RingIsPlainXmlInTheDatabase()
    {
        // The baseline the certificate changes: without one, the key material sits in the table as it is.
        await using var host = GatewayHost.Start();
        await using var db = host.NewContext();

        var ring = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();

        Assert.Contains(ring, xml => xml.Contains("<masterKey"));
    }

    [Fact]
    public async Task KeysDirectory_RingKeptInFiles_NotInTheDatabase_AndServes()
    {
        var keys = Path.Combine(_directory, "keys");
        await using var host = GatewayHost.Start(new Dictionary<string, string?> { ["DataProtection:KeysDirectory"] = keys });
        var (userId, _) = await host.AddUserAsync(("routed", 5_000_000));

        var served = await host.Client((await host.CreateKeyAsync(userId)).Secret).PostAsJsonAsync("v1/chat/completions", ChatBody);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        await using var db = host.NewContext();
        Assert.Equal(0, await db.DataProtectionKeys.CountAsync());
    }

    [Fact]
    public async Task Production_WithUnprotectedRing_RefusesToStart_WithOneLine()
    {
        var (exit, output, errors) = await RunHostAsync(new Dictionary<string, string>());

        Assert.Equal(1, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains("DataProtection:Certificate:Path", line);
        Assert.Contains("DataProtection:AllowUnprotectedKeys", line);
        Assert.DoesNotContain("Exception", errors + output);
        Assert.DoesNotContain(" at ", errors + output);
    }

    [Fact]
    public async Task Production_WithUnreadableCertificate_RefusesToStart_NamingTheSetting()
    {
        var wrong = WriteCertificate();
        var (exit, _, errors) = await RunHostAsync(new Dictionary<string, string>
        {
            ["DataProtection__Certificate__Path"] = wrong,
            ["DataProtection__Certificate__Password"] = "not-the-password",
        });

        Assert.Equal(1, exit);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("DataProtection:Certificate: the certificate cannot be loaded", line);
    }

    [Fact]
    public async Task Production_WithCertificateFromBase64_Starts()
    {
        var pfx = Convert.ToBase64String(await File.ReadAllBytesAsync(WriteCertificate()));
        var (exit, output, errors) = await RunHostAsync(new Dictionary<string, string>
        {
            ["DataProtection__Certificate__Base64"] = pfx,
            ["DataProtection__Certificate__Password"] = CertificatePassword,
        }, untilStarted: true);

        Assert.True(exit is null, $"exited {exit}: {errors}");
        Assert.Contains("Tokens Forge is running", output);
    }

    private static object ChatBody => new { model = "gpt-4o-mini", max_tokens = 5, messages = new[] { new { role = "user", content = "hi" } } };

    /// <summary>A self-signed certificate with its private key, as a password-protected PFX file.</summary>
    private string WriteCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Tokens Forge key ring test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        return path;
    }

    /// <summary>
    /// Runs the real executable in the Production environment on a fresh SQLite file. Returns its exit code, or null
    /// when <paramref name="untilStarted"/> and it started serving (it is then stopped).
    /// </summary>
    private async Task<(int? Exit, string Output, string Errors)> RunHostAsync(Dictionary<string, string> environment, bool untilStarted = false)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "TokensForge.Web.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ConnectionStrings__Default"] = $"Data Source={Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".db")}";
        start.Environment["Admin__Password"] = "Admin-pass-1";
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains("Tokens Forge is running")) started.TrySetResult();
        };
        process.BeginOutputReadLine();
        var errors = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var first = await Task.WhenAny(exited, started.Task, Task.Delay(Timeout.Infinite, timeout.Token));
        if (first != exited)
        {
            process.Kill(entireProcessTree: true);
            await exited;
            if (first != started.Task) throw new TimeoutException("the host neither started nor exited within 90 s");
            return (null, output.ToString(), await errors);
        }
        await exited;
        return (process.ExitCode, output.ToString(), await errors);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
