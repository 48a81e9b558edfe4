using System.Buffers.Binary;
using System.Text.Json;
using TokensForge.Core.Gateway;
using TokensForge.Core.Upstreams;

namespace TokensForge.Tests.Gateway;

/// <summary>Image parts weigh by their size, as OpenAI's vision accounting does, so the hold covers a photo's real cost.</summary>
public sealed class ImageTokensTests
{
    [Theory]
    // OpenAI's own examples: a 1024² image is scaled to 768² (4 tiles); a 2048×4096 one to 768×1536 (6 tiles).
    [InlineData(1024, 1024, 765)]
    [InlineData(2048, 4096, 1105)]
    [InlineData(512, 512, 255)]
    [InlineData(1, 1, 255)]
    [InlineData(4000, 3000, 765)]
    public void ForSize_FollowsTheTileRule(int width, int height, int tokens) => Assert.Equal(tokens, ImageTokens.ForSize(width, height));

    public static TheoryData<string, byte[]> Headers => new()
    {
        { "image/png", Png(1024, 1024) },
        { "image/gif", Gif(1024, 1024) },
        { "image/jpeg", Jpeg(1024, 1024) },
        { "image/webp", WebPExtended(1024, 1024) },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void AnInlineImage_IsWeighedByTheSizeInItsHeader(string mediaType, byte[] header)
    {
        var part = Part($"data:{mediaType};base64,{Convert.ToBase64String([.. header, .. new byte[300]])}");

        Assert.Equal(765, ImageTokens.Of(part));
    }

    [Fact]
    public void LowDetail_Is85_AnImageTheGatewayCannotSee_IsHeldAtTheLargest()
    {
        Assert.Equal(85, ImageTokens.Of(Part(Convert.ToBase64String(Png(4000, 4000)), "low")));
        Assert.Equal(ImageTokens.Largest, ImageTokens.Of(Part("https://example.com/cat.png")));
        Assert.Equal(ImageTokens.Largest, ImageTokens.Of(Part("data:image/png;base64,not-base64!")));
        // The largest really is the largest: no shape of image weighs more.
        Assert.Equal(ImageTokens.Largest, ImageTokens.ForSize(768, 2048));
        foreach (var (w, h) in new[] { (100, 100_000), (3000, 7999), (1536, 4096), (10_000, 10_000), (700, 2048) })
            Assert.InRange(ImageTokens.ForSize(w, h), ImageTokens.Base, ImageTokens.Largest);
    }

    [Fact]
    public void ThePromptCount_AddsEachImageByItsSize()
    {
        var counter = new TokenCounter();
        ChatCompletionRequest With(string url) => JsonSerializer.Deserialize($$$"""
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}
            """, OpenAiJsonContext.Default.ChatCompletionRequest)!;

        var small = counter.CountPrompt(With("data:image/png;base64," + Convert.ToBase64String(Png(512, 512))));
        var large = counter.CountPrompt(With("data:image/png;base64," + Convert.ToBase64String(Png(2048, 4096))));

        Assert.Equal(1105 - 255, large - small);
    }

    private static JsonElement Part(string url, string? detail = null) => JsonDocument.Parse(JsonSerializer.Serialize(new
    {
        type = "image_url",
        image_url = detail is null ? (object)new { url } : new { url, detail },
    })).RootElement;

    private static byte[] Png(int width, int height)
    {
        var b = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(b, 0);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(20), (uint)height);
        return b;
    }

    private static byte[] Gif(int width, int height)
    {
        var b = new byte[13];
        "GIF89a"u8.CopyTo(b);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)height);
        return b;
    }

    /// <summary>SOI, an APP0 segment the reader must skip, then a baseline frame header.</summary>
    private static byte[] Jpeg(int width, int height)
    {
        byte[] app0 = [0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        var sof = new byte[] { 0xFF, 0xC0, 0, 17, 8, 0, 0, 0, 0, 3 };
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(7), (ushort)width);
        return [0xFF, 0xD8, .. app0, .. sof, .. new byte[12]];
    }

    private static byte[] WebPExtended(int width, int height)
    {
        var b = new byte[30];
        "RIFF"u8.CopyTo(b);
        "WEBP"u8.CopyTo(b.AsSpan(8));
        "VP8X"u8.CopyTo(b.AsSpan(12));
        var (w, h) = (width - 1, height - 1);
        (b[24], b[25], b[26]) = ((byte)w, (byte)(w >> 8), (byte)(w >> 16));
        (b[27], b[28], b[29]) = ((byte)h, (byte)(h >> 8), (byte)(h >> 16));
        return b;
    }
}
