namespace TokensForge.Core.Upstreams;

/// <summary>
/// An upstream's body, readable up to a limit: the read that would pass it throws <see cref="AnswerTooLargeException"/>,
/// so an answer read whole is cut off as soon as it outgrows the route's limit, never buffered to the end first. With
/// <paramref name="perLine"/> the limit applies to each line instead (an event stream is relayed line by line, so only a
/// line is ever held, but one without an end would be held whole).
/// </summary>
internal sealed class BoundedAnswerStream(Stream inner, long limit, int upstreamStatus, bool perLine = false) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(ReadOnlySpan<byte> read)
    {
        // Per line: only what follows the last line break counts towards the next line.
        var lastBreak = perLine ? read.LastIndexOf((byte)'\n') : -1;
        _read = lastBreak >= 0 ? read.Length - lastBreak - 1 : _read + read.Length;
        if (_read > limit) throw new AnswerTooLargeException(limit, upstreamStatus);
        return read.Length;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>An upstream's answer outgrew the route's answer limit (<see cref="Routing.Route.MaxAnswerBytes"/>).</summary>
public sealed class AnswerTooLargeException(long limit, int upstreamStatus)
    : Exception($"The upstream's answer is larger than the route's limit of {limit} bytes; it was cut off while being read.")
{
    public long Limit { get; } = limit;
    public int UpstreamStatus { get; } = upstreamStatus;
}
