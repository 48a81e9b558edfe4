using Microsoft.AspNetCore.Http.HttpResults;
using TokensForge.Core.Campaigns;
using TokensForge.Core.Exports;
using TokensForge.Core.Users;

namespace TokensForge.Web.Api.Admin;

/// <summary>Admin downloads. Everything under <c>/admin/api</c> needs the Admin role (anonymous: login redirect; others: 403).</summary>
public static class AdminEndpoints
{
    public const string Prefix = "/admin/api";

    public static string CodeBatchCsvUrl(Guid batchId) => $"{Prefix}/code-batches/{batchId}.csv";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(Prefix).RequireAuthorization(policy => policy.RequireRole(Roles.Admin));
        admin.MapGet("/code-batches/{batchId:guid}.csv", DownloadCodeBatchAsync);
        return app;
    }

    /// <summary>Streams the codes of one generated batch as CSV, as many times as asked, for as long as its codes exist.</summary>
    public static async Task<Results<PushStreamHttpResult, NotFound>> DownloadCodeBatchAsync(Guid batchId, CodeQueries codes, CancellationToken ct)
    {
        if (!await codes.BatchExistsAsync(batchId, ct)) return TypedResults.NotFound();
        return TypedResults.Stream(
            stream => CodeBatchCsv.WriteAsync(stream, codes.StreamBatchAsync(batchId, ct), ct),
            CodeBatchCsv.ContentType,
            CodeBatchCsv.FileName(batchId));
    }
}
