namespace Pipelines.Engine.Tests.Artifacts;

/// <summary>
/// A source stream that yields <paramref name="content"/> in small reads, calls <paramref name="midway"/> once half
/// of it is read, and, when <paramref name="failAt"/> is given, fails there: a crash in the middle of a copy.
/// </summary>
public sealed class WatchedSource(byte[] content, Action midway, int? failAt = null) : Stream
{
    private int _position;
    private bool _calledMidway;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var end = failAt ?? content.Length;
        if (!_calledMidway && _position >= end / 2)
        {
            _calledMidway = true;
            midway();
        }
        if (_position >= end && failAt is not null)
            throw new IOException("The source went away mid-copy.");
        // Small reads, so the copy really is part way through when midway() looks.
        var length = Math.Min(Math.Min(count, 4096), end - _position);
        content.AsSpan(_position, length).CopyTo(buffer.AsSpan(offset));
        _position += length;
        return length;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
