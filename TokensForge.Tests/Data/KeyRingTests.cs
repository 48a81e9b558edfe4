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
        var run = await RunHostAsync(new Dictionary<string, string>());

        Assert.Equal(1, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("DataProtection:Certificate:Path", line);
        Assert.Contains("DataProtection:AllowUnprotectedKeys", line);
        Assert.DoesNotContain("Exception", run.Errors + run.Output);
        Assert.DoesNotContain(" at ", run.Errors + run.Output);
    }

    [Fact]
    public async Task Production_WithUnprotectedRing_StartsWhenExplicitlyAllowed()
    {
        var run = await RunHostAsync(new Dictionary<string, string> { ["DataProtection__AllowUnprotectedKeys"] = "true" });

        Assert.True(run.Exit is null, $"exited {run.Exit}: {run.Errors}");
        Assert.Contains("Tokens Forge is running", run.Output);
    }

    [Fact]
    public async Task Production_WithUnreadableCertificate_RefusesToStart_NamingTheSetting()
    {
        var wrong = WriteCertificate();
        var run = await RunHostAsync(new Dictionary<string, string>
        {
            ["DataProtection__Certificate__Path"] = wrong,
            ["DataProtection__Certificate__Password"] = "not-the-password",
        });

        Assert.Equal(1, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("DataProtection:Certificate: the certificate cannot be loaded", line);
    }

    [Fact]
    public async Task Production_WithCertificateFromBase64_Starts()
    {
        var pfx = Convert.ToBase64String(await File.ReadAllBytesAsync(WriteCertificate()));
        var run = await RunHostAsync(new Dictionary<string, string>
        {
            ["DataProtection__Certificate__Base64"] = pfx,
            ["DataProtection__Certificate__Password"] = CertificatePassword,
        });

        Assert.True(run.Exit is null, $"exited {run.Exit}: {run.Errors}");
        Assert.Contains("Tokens Forge is running", run.Output);
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

    private Task<HostProcess.Run> RunHostAsync(Dictionary<string, string> environment) => HostProcess.RunAsync(_directory, "Production", environment);

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
