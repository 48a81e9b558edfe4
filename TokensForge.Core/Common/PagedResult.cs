namespace TokensForge.Core.Common;

/// <summary>One page of rows and the total row count, for server-side grids.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int TotalCount);
