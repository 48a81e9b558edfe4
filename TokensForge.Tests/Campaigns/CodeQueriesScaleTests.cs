using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Common;
using TokensForge.Core.Data;
using TokensForge.Tests.Infrastructure;
using static TokensForge.Tests.Campaigns.CampaignTestData;

namespace TokensForge.Tests.Campaigns;

/// <summary>The codes grid over 100,000 codes: right pages, right search results, and query plans that use the indexes.</summary>
public sealed class CodeQueriesScaleTests
{
    private const int Total = 100_000;
    private const int InCampaignA = 60_000;

    private sealed record Seeded(Campaign A, Campaign B, List<(Guid Id, Guid CampaignId, string Code, DateTime CreatedAt)> Rows);

    /// <summary>Inserts the codes with multi-row INSERTs whose parameters come from EF's own type mappings, so values are stored as EF stores them.</summary>
    private static async Task<Seeded> SeedAsync(TestDatabase db)
    {
        var a = await CreateAsync(db, Promo() with { Name = "Campaign A" });
        var b = await CreateAsync(db, Promo() with { Name = "Campaign B" });
        var start = db.Time.GetUtcNow().UtcDateTime.AddDays(-30);
        var seen = new HashSet<string>(Total);
        var rows = new List<(Guid, Guid, string, DateTime)>(Total);
        for (var i = 0; i < Total; i++)
        {
            string code;
            do code = RedeemCodeFormat.Generate(); while (!seen.Add(code));
            // Batches of 250 share a creation time, as generated batches do.
            rows.Add((Guid.CreateVersion7(), i < InCampaignA ? a.Id : b.Id, code, start.AddMinutes(i / 250)));
        }

        await using var ctx = db.NewContext();
        var entity = ctx.Model.FindEntityType(typeof(RedeemCode))!;
        string[] names = [nameof(RedeemCode.Id), nameof(RedeemCode.CampaignId), nameof(RedeemCode.Code), nameof(RedeemCode.MaxRedemptions),
            nameof(RedeemCode.RedemptionCount), nameof(RedeemCode.Status), nameof(RedeemCode.CreatedBy), nameof(RedeemCode.CreatedAt)];
        var properties = names.Select(n => entity.FindProperty(n)!).ToArray();
        var columns = string.Join(", ", properties.Select(p => $"\"{p.GetColumnName()}\""));
        await ctx.Database.OpenConnectionAsync();
        await using var tx = await ctx.Database.BeginTransactionAsync();
        // SQLite looks parameters up by name one at a time, so its statements stay small.
        foreach (var chunk in rows.Chunk(ctx.IsPostgres ? 1_000 : 100))
        {
            await using var command = ctx.Database.GetDbConnection().CreateCommand();
            command.Transaction = tx.GetDbTransaction();
            var values = new List<string>(chunk.Length);
            for (var r = 0; r < chunk.Length; r++)
            {
                var (id, campaignId, code, createdAt) = chunk[r];
                object[] row = [id, campaignId, code, 1, 0, CodeStatus.Active, "bulk", createdAt];
                var placeholders = new string[row.Length];
                for (var c = 0; c < row.Length; c++)
                {
                    var name = $"@p{r}_{c}";
                    command.Parameters.Add(properties[c].GetRelationalTypeMapping().CreateParameter(command, name, row[c]));
                    placeholders[c] = name;
                }
                values.Add("(" + string.Join(", ", placeholders) + ")");
            }
            command.CommandText = $"INSERT INTO redeem_codes ({columns}) VALUES {string.Join(", ", values)}";
            await command.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        await ctx.Database.ExecuteSqlRawAsync(ctx.IsPostgres ? "ANALYZE redeem_codes" : "ANALYZE");
        return new Seeded(a, b, rows);
    }

    private static List<string> Newest(IEnumerable<(Guid Id, Guid CampaignId, string Code, DateTime CreatedAt)> rows, int skip, int take) =>
        rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(skip).Take(take).Select(r => r.Code).ToList();

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SearchAsync_HundredThousandCodes_PagesFiltersAndSearchesCorrectly(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var seeded = await SeedAsync(db);
        var queries = db.Get<CodeQueries>();

        var first = await queries.SearchAsync(new CodeFilter(), new PageRequest(0, 50));
        Assert.Equal(Total, first.TotalCount);
        Assert.Equal(Newest(seeded.Rows, 0, 50), first.Items.Select(c => c.Code));
        Assert.All(first.Items, c => Assert.Equal("Campaign B", c.CampaignName));

        var deep = await queries.SearchAsync(new CodeFilter(), new PageRequest(1_500, 50));
        Assert.Equal(Newest(seeded.Rows, 75_000, 50), deep.Items.Select(c => c.Code));

        var inA = await queries.SearchAsync(new CodeFilter(CampaignId: seeded.A.Id), new PageRequest(3, 100));
        Assert.Equal(InCampaignA, inA.TotalCount);
        Assert.Equal(Newest(seeded.Rows.Where(r => r.CampaignId == seeded.A.Id), 300, 100), inA.Items.Select(c => c.Code));
        Assert.All(inA.Items, c => Assert.Equal(seeded.A.Id, c.CampaignId));

        var last = await queries.SearchAsync(new CodeFilter(CampaignId: seeded.B.Id), new PageRequest(399, 100));
        Assert.Equal(Newest(seeded.Rows.Where(r => r.CampaignId == seeded.B.Id), 39_900, 100), last.Items.Select(c => c.Code));

        // A search typed the way people type: lower case, spaces, no prefix.
        var target = seeded.Rows[12_345].Code;
        var typed = $"{target[3..7].ToLowerInvariant()} {target[8..10].ToLowerInvariant()}";
        var prefix = target[..10];
        var expected = seeded.Rows.Where(r => r.Code.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.Code).Order(StringComparer.Ordinal).ToList();
        var found = await queries.SearchAsync(new CodeFilter(Search: typed), new PageRequest(0, 200, nameof(CodeRow.Code)));
        Assert.Equal(expected, found.Items.Select(c => c.Code));
        Assert.Equal(expected.Count, found.TotalCount);
        Assert.Contains(target, found.Items.Select(c => c.Code));

        var exact = await queries.SearchAsync(new CodeFilter(Search: target), new PageRequest());
        Assert.Equal(target, Assert.Single(exact.Items).Code);
        var wide = await queries.SearchAsync(new CodeFilter(Search: target[..4], CampaignId: seeded.B.Id), new PageRequest(0, 200));
        Assert.Equal(seeded.Rows.Count(r => r.CampaignId == seeded.B.Id && r.Code.StartsWith(target[..4], StringComparison.Ordinal)), wide.TotalCount);
        Assert.Equal(0, (await queries.SearchAsync(new CodeFilter(Search: "TF-0000"), new PageRequest())).TotalCount);
    }

    [SkippableTheory]
    [InlineData(TestProvider.Sqlite)]
    [InlineData(TestProvider.Postgres)]
    public async Task SearchAsync_HundredThousandCodes_QueriesUseTheCodeIndexes(TestProvider provider)
    {
        Skip.If(provider == TestProvider.Postgres && TestDatabase.PostgresServer is null, "TF_PG is not set");
        await using var db = await TestDatabase.CreateAsync(provider);
        var seeded = await SeedAsync(db);
        var capture = new CommandCapture();
        string connectionString;
        await using (var ctx = db.NewContext()) connectionString = ctx.Database.GetConnectionString()!;
        var factory = new CapturingFactory(provider, connectionString, capture);
        var queries = new CodeQueries(factory);

        async Task<string> PlanAsync(CodeFilter filter)
        {
            capture.Commands.Clear();
            await queries.SearchAsync(filter, new PageRequest(0, 50));
            // The last command is the page; the one before it the count.
            var plans = new List<string>();
            await using var ctx = factory.CreateDbContext();
            await ctx.Database.OpenConnectionAsync();
            foreach (var (sql, parameters) in capture.Commands)
            {
                await using var explain = ctx.Database.GetDbConnection().CreateCommand();
                explain.CommandText = (provider == TestProvider.Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql;
                foreach (var (name, value, type) in parameters)
                {
                    var p = explain.CreateParameter();
                    p.ParameterName = name;
                    p.Value = value;
                    p.DbType = type;
                    explain.Parameters.Add(p);
                }
                await using var reader = await explain.ExecuteReaderAsync();
                var lines = new List<string>();
                while (await reader.ReadAsync()) lines.Add(reader.GetValue(reader.FieldCount - 1)?.ToString() ?? "");
                plans.Add(string.Join("\n", lines));
            }
            return string.Join("\n---\n", plans);
        }

        var search = await PlanAsync(new CodeFilter(Search: seeded.Rows[5].Code[..9]));
        Assert.Contains("IX_redeem_codes_Code", search);
        Assert.DoesNotContain(provider == TestProvider.Postgres ? "Seq Scan" : "SCAN redeem_codes\n", search + "\n");

        var newest = await PlanAsync(new CodeFilter());
        Assert.Contains("IX_redeem_codes_CreatedAt_Id", newest);

        if (provider == TestProvider.Sqlite)
        {
            var byCampaign = await PlanAsync(new CodeFilter(CampaignId: seeded.A.Id));
            Assert.Contains("IX_redeem_codes_CampaignId_CreatedAt_Id", byCampaign);
            Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", byCampaign);
        }
    }

    private sealed class CommandCapture : DbCommandInterceptor
    {
        public List<(string Sql, List<(string Name, object? Value, System.Data.DbType Type)> Parameters)> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Commands.Add((command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value, p.DbType)).ToList()));
            return ValueTask.FromResult(result);
        }
    }

    private sealed class CapturingFactory(TestProvider provider, string connectionString, CommandCapture capture) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => provider == TestProvider.Postgres
            ? new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(connectionString).AddInterceptors(capture).Options)
            : new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(connectionString).AddInterceptors(capture).Options);
    }
}
