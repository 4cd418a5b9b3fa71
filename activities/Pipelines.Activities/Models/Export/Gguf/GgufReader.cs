using System.Text;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>What a GGUF file holds before its tensor data: its metadata, its tensor infos, and where the data starts.</summary>
public sealed record GgufFile(string Path, uint Version, IReadOnlyDictionary<string, object> Metadata, IReadOnlyList<GgufTensorInfo> Tensors, long DataStart)
{
    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"{Path} has no tensor {name}");

    /// <summary>The values of tensor <paramref name="name"/> as float32, dequantized, innermost dimension fastest.</summary>
    public float[] ReadTensor(string name)
    {
        var info = Tensor(name);
        using var stream = File.OpenRead(Path);
        stream.Position = DataStart + info.Offset;
        var bytes = new byte[info.Bytes];
        stream.ReadExactly(bytes);
        return GgmlBlocks.Dequantize(info.Type, bytes, info.Elements);
    }
}

/// <summary>
/// Reads a GGUF file's header, metadata and tensor infos, and checks them against the file: the magic and version,
/// every length and count within the file, known value and tensor types, aligned tensor offsets and tensor data that
/// ends inside the file. A file that fails gets a <see cref="ModelFormatException"/> naming it and what is wrong.
/// </summary>
public static class GgufReader
{
    private const string Hint = "the file is damaged or was cut short; export the model to GGUF again";

    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path} does not exist", "pass the path of a .gguf file");
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            return Read(reader, path);
        }
        catch (EndOfStreamException)
        {
            throw new ModelFormatException($"{path} is truncated: it ends inside its header ({stream.Length} bytes)", Hint);
        }
    }

    private static GgufFile Read(BinaryReader reader, string path)
    {
        var stream = reader.BaseStream;
        var magic = reader.ReadBytes(4);
        if (!magic.AsSpan().SequenceEqual("GGUF"u8))
            throw new ModelFormatException($"{path} is not a GGUF file (it starts with {Convert.ToHexString(magic)}, not \"GGUF\")", "pass a .gguf file written by the GGUF export or llama.cpp");
        var version = reader.ReadUInt32();
        if (version != GgufWriter.Version)
            throw new ModelFormatException($"{path} is GGUF version {version}; this reader reads version {GgufWriter.Version}", "export the model again");
        var tensorCount = Count(reader, path, "tensor count");
        var metadataCount = Count(reader, path, "metadata count");

        var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0L; i < metadataCount; i++)
        {
            var key = ReadString(reader, path);
            var type = (GgufValueType)reader.ReadUInt32();
            if (!metadata.TryAdd(key, ReadValue(reader, path, key, type))) throw new ModelFormatException($"{path} sets metadata key {key} twice", Hint);
        }

        var alignment = metadata.TryGetValue("general.alignment", out var a) ? a as uint? ?? 0 : GgufWriter.Alignment;
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw new ModelFormatException($"{path}: general.alignment is {a}, not a power of two", Hint);

        var tensors = new List<GgufTensorInfo>();
        for (var i = 0L; i < tensorCount; i++)
        {
            var name = ReadString(reader, path);
            var dimensionCount = reader.ReadUInt32();
            if (dimensionCount is 0 or > 4) throw new ModelFormatException($"{path}: tensor {name} has {dimensionCount} dimensions (ggml allows 1 to 4)", Hint);
            var dimensions = new long[dimensionCount];
            for (var d = 0; d < dimensionCount; d++)
            {
                var size = reader.ReadUInt64();
                if (size is 0 or > int.MaxValue) throw new ModelFormatException($"{path}: tensor {name} has a dimension of {size}", Hint);
                dimensions[d] = (long)size;
            }

            var type = (GgmlType)reader.ReadUInt32();
            if (!Enum.IsDefined(type)) throw new ModelFormatException($"{path}: tensor {name} has ggml type {(uint)type}, which this reader does not read (F32, F16, Q8_0, Q4_0)", Hint);
            if (type is GgmlType.Q8_0 or GgmlType.Q4_0 && dimensions[0] % GgmlBlocks.BlockSize != 0)
                throw new ModelFormatException($"{path}: tensor {name} is {type} but its rows of {dimensions[0]} are not whole blocks of {GgmlBlocks.BlockSize}", Hint);
            var offset = reader.ReadUInt64();
            if (offset % alignment != 0) throw new ModelFormatException($"{path}: tensor {name} starts at offset {offset}, not a multiple of the alignment {alignment}", Hint);
            if (tensors.Any(t => t.Name == name)) throw new ModelFormatException($"{path} holds tensor {name} twice", Hint);
            tensors.Add(new GgufTensorInfo(name, dimensions, type, (long)offset));
        }

        var dataStart = (stream.Position + alignment - 1) / alignment * alignment;
        foreach (var tensor in tensors)
        {
            var end = dataStart + tensor.Offset + tensor.Bytes;
            if (end > stream.Length)
                throw new ModelFormatException($"{path} is truncated: tensor {tensor.Name} ends at byte {end} but the file has {stream.Length}", Hint);
        }

        return new GgufFile(path, version, metadata, tensors, dataStart);
    }

    private static object ReadValue(BinaryReader reader, string path, string key, GgufValueType type)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return reader.ReadByte();
            case GgufValueType.Int8: return reader.ReadSByte();
            case GgufValueType.UInt16: return reader.ReadUInt16();
            case GgufValueType.Int16: return reader.ReadInt16();
            case GgufValueType.UInt32: return reader.ReadUInt32();
            case GgufValueType.Int32: return reader.ReadInt32();
            case GgufValueType.Float32: return reader.ReadSingle();
            case GgufValueType.Bool: return reader.ReadByte() != 0;
            case GgufValueType.String: return ReadString(reader, path);
            case GgufValueType.UInt64: return reader.ReadUInt64();
            case GgufValueType.Int64: return reader.ReadInt64();
            case GgufValueType.Float64: return reader.ReadDouble();
            case GgufValueType.Array:
                var elementType = (GgufValueType)reader.ReadUInt32();
                if (elementType is GgufValueType.Array || !Enum.IsDefined(elementType))
                    throw new ModelFormatException($"{path}: metadata {key} is an array of type {(uint)elementType}, which this reader does not read", Hint);
                var count = Count(reader, path, $"length of {key}");
                var array = Array.CreateInstance(GgufValues.ClrType(elementType), count);
                for (var i = 0L; i < count; i++) array.SetValue(ReadValue(reader, path, key, elementType), i);
                return array;
            default:
                throw new ModelFormatException($"{path}: metadata {key} has value type {(uint)type}, which GGUF does not define", Hint);
        }
    }

    private static string ReadString(BinaryReader reader, string path)
    {
        var length = Count(reader, path, "string length");
        return Encoding.UTF8.GetString(reader.ReadBytes((int)length));
    }

    /// <summary>A count or length, which can never exceed the bytes left in the file (every item takes at least one).</summary>
    private static long Count(BinaryReader reader, string path, string what)
    {
        var count = reader.ReadUInt64();
        var left = reader.BaseStream.Length - reader.BaseStream.Position;
        if (count > (ulong)left || count > int.MaxValue)
            throw new ModelFormatException($"{path}: the {what} is {count} but only {left} bytes follow (truncated or corrupt)", Hint);
        return (long)count;
    }
}
