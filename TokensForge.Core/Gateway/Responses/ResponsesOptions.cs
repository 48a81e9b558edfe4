using System.ComponentModel.DataAnnotations;

namespace TokensForge.Core.Gateway.Responses;

/// <summary>The Responses API front door (section <c>Responses</c>).</summary>
public sealed class ResponsesOptions
{
    public const string Section = "Responses";

    /// <summary>How long a stored response can be read and continued (<c>previous_response_id</c>). Default 30 days, as OpenAI.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
