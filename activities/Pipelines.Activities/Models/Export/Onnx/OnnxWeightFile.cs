namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// The external data file beside <c>model.onnx</c>: tensors' raw little-endian bytes one after another, appended as
/// they are exported so no more than one tensor is in memory at a time. Each tensor starts on a 64-byte boundary,
/// which lets ONNX Runtime map the weights straight from the file.
/// </summary>
internal sealed class OnnxWeightFile(string path) : IDisposable
{
    private const int Alignment = 64;
    private readonly FileStream _stream = new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);

    /// <summary>Where a tensor's bytes lie in the file.</summary>
    public readonly record struct Range(long Offset, long Length);

    /// <summary>The file's name, as <c>model.onnx</c> refers to it (relative to its own folder).</summary>
    public string FileName { get; } = Path.GetFileName(path);

    public long Length => _stream.Length;

    public Range Append(ReadOnlySpan<byte> data)
    {
        var padding = (int)((Alignment - _stream.Position % Alignment) % Alignment);
        for (var i = 0; i < padding; i++) _stream.WriteByte(0);
        var range = new Range(_stream.Position, data.Length);
        _stream.Write(data);
        return range;
    }

    public void Dispose() => _stream.Dispose();
}
