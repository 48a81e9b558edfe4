using Microsoft.Data.Sqlite;
using TokensForge.Core.ApiKeys;

using TokensForge.Tests.Infrastructure;

namespace TokensForge.Tests.Cli;

public sealed class KeysCommandsTests : IDisposable
{
    private readonly CliDatabase _cli = new();



    private async Task<(string? Hash, string? Preference, long? Limit, string? Revoked)> RowAsync(string prefix)
    {
        await using var connection = new SqliteConnection($"Data Source={_cli.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Hash, RoutePreference, SpendLimit, RevokedAt FROM api_keys WHERE Prefix = $p";
        command.Parameters.AddWithValue("$p", prefix);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return (null, null, null, null);
        return (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    [Fact]
    public async Task KeysCreate_PrintsTheSecretOnce_StoresOnlyItsHash()
    {
        await _cli.RunAsync("users", "add", "--email", "dev@test.local", "--password", "Dev-pass-1");

        var (exit, output) = await _cli.RunAsync("keys", "create", "--email", "dev@test.local", "--name", "ci", "--preference", "routed", "--spend-limit", "5.00");
        var secret = output.Split('\n').Last().Trim();
        var row = await RowAsync(secret[..ApiKeySecret.PrefixLength]);

        Assert.Equal(0, exit);
        Assert.True(ApiKeySecret.LooksValid(secret), output);
        Assert.Contains("preference routed, spend limit ¥5.00", output);
        Assert.Equal(ApiKeySecret.Hash(secret), row.Hash);
        Assert.Equal("Routed", row.Preference);
        Assert.Equal(5_000_000, row.Limit);
    }

    [Fact]
    public async Task KeysRevoke_ByPrefix_ThenAgain_IsRefused()
    {
        await _cli.RunAsync("users", "add", "--email", "dev@test.local", "--password", "Dev-pass-1");
        var (_, output) = await _cli.RunAsync("keys", "create", "--email", "dev@test.local", "--name", "ci");
        var prefix = output.Split('\n').Last().Trim()[..ApiKeySecret.PrefixLength];

        var revoked = await _cli.RunAsync("keys", "revoke", "--prefix", prefix);
        var again = await _cli.RunAsync("keys", "revoke", "--prefix", prefix);

        Assert.Equal(0, revoked.Exit);
        Assert.Contains("key revoked: ci", revoked.Output);
        Assert.NotNull((await RowAsync(prefix)).Revoked);
        Assert.Equal(2, again.Exit);
        Assert.StartsWith("key_already_revoked:", again.Output);
    }

    [Theory]
    [InlineData("--preference", "cheapest", "invalid_preference:")]
    [InlineData("--spend-limit", "-1", "invalid_amount:")]
    [InlineData("--models", "no-such-model", "unknown_model:")]
    public async Task KeysCreate_BadInput_PrintsOneLineAndExits2(string option, string value, string expected)
    {
        await _cli.RunAsync("users", "add", "--email", "dev@test.local", "--password", "Dev-pass-1");

        var (exit, output) = await _cli.RunAsync("keys", "create", "--email", "dev@test.local", "--name", "ci", option, value);

        Assert.Equal(2, exit);
        Assert.StartsWith(expected, output);
        Assert.DoesNotContain('\n', output);
    }

    [Fact]
    public async Task KeysCreate_UnknownUser_IsRefused()
    {
        var (exit, output) = await _cli.RunAsync("keys", "create", "--email", "nobody@test.local", "--name", "ci");

        Assert.Equal(2, exit);
        Assert.StartsWith("user_not_found:", output);
    }

    public void Dispose() => _cli.Dispose();
}
