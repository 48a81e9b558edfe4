namespace TokensForge.Core.Common;

/// <summary>
/// One page of a server-side grid: zero-based page, page size (clamped to 1–<see cref="MaxPageSize"/>) and an
/// optional sort column (a name the query knows; unknown names fall back to the query's default order).
/// </summary>
public sealed record PageRequest(int Page = 0, int PageSize = 25, string? SortBy = null, bool Descending = false)
{
    public const int MaxPageSize = 200;

    public int Skip => Math.Max(Page, 0) * Take;

    public int Take => Math.Clamp(PageSize, 1, MaxPageSize);
}
