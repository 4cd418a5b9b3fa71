using System.Text;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>
/// Writes a GGUF version 3 file (llama.cpp's model format): the magic <c>GGUF</c>, typed metadata key/values, tensor
/// infos (dimensions innermost first) and the tensor data, each tensor starting at a multiple of
/// <see cref="Alignment"/>, all little-endian. Tensors are added with a function that makes their bytes, called one at
/// a time while the file is written, so a model is never held twice in memory.
/// Metadata values are CLR values: <c>byte, sbyte, ushort, short, uint, int, float, bool, string, ulong, long, double</c>
/// and arrays of them, each stored as the GGUF type of the same width.
/// </summary>
public sealed class GgufWriter
{
    public const uint Version = 3;

    /// <summary>Where tensor data may start (written as <c>general.alignment</c>; GGUF's default too).</summary>
    public const int Alignment = 32;

    private readonly List<KeyValuePair<string, object>> _metadata = [];
    private readonly List<(GgufTensorInfo Info, Func<byte[]> Data)> _tensors = [];
    private long _dataBytes;

    public GgufWriter() => Add("general.alignment", (uint)Alignment);

    public IReadOnlyList<GgufTensorInfo> Tensors => _tensors.Select(t => t.Info).ToList();

    public GgufWriter Add(string key, object value)
    {
        GgufValues.TypeOf(value);
        if (_metadata.Any(m => m.Key == key)) throw new ArgumentException($"metadata key {key} is already set", nameof(key));
        _metadata.Add(new(key, value));
        return this;
    }

    /// <summary>Declares a tensor; <paramref name="data"/> makes its bytes when <see cref="Write"/> reaches it.</summary>
    public GgufWriter AddTensor(string name, IReadOnlyList<long> dimensions, GgmlType type, Func<byte[]> data)
    {
        if (_tensors.Any(t => t.Info.Name == name)) throw new ArgumentException($"tensor {name} is already added", nameof(name));
        var info = new GgufTensorInfo(name, dimensions, type, _dataBytes);
        _tensors.Add((info, data));
        _dataBytes = Aligned(_dataBytes + info.Bytes);
        return this;
    }

    /// <summary>Writes the file to <paramref name="path"/> and returns its size in bytes.</summary>
    public long Write(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write("GGUF"u8);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var (key, value) in _metadata)
        {
            GgufValues.WriteString(writer, key);
            writer.Write((uint)GgufValues.TypeOf(value));
            GgufValues.Write(writer, value);
        }

        foreach (var (info, _) in _tensors)
        {
            GgufValues.WriteString(writer, info.Name);
            writer.Write((uint)info.Dimensions.Count);
            foreach (var d in info.Dimensions) writer.Write((ulong)d);
            writer.Write((uint)info.Type);
            writer.Write((ulong)info.Offset);
        }

        Pad(writer);
        var dataStart = stream.Position;
        foreach (var (info, data) in _tensors)
        {
            var bytes = data();
            if (bytes.LongLength != info.Bytes)
                throw new InvalidOperationException($"tensor {info.Name} made {bytes.LongLength} bytes where {info.Type} [{string.Join(", ", info.Dimensions)}] takes {info.Bytes}");
            if (stream.Position - dataStart != info.Offset) throw new InvalidOperationException($"tensor {info.Name} would not start at its declared offset");
            writer.Write(bytes);
            Pad(writer);
        }

        writer.Flush();
        return stream.Length;
    }

    private static long Aligned(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter writer)
    {
        var position = writer.BaseStream.Position;
        writer.Write(new byte[Aligned(position) - position]);
    }
}
