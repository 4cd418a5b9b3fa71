using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.SafeTensors;

/// <summary>One tensor's entry in a safetensors header: its dtype, shape and byte range within the data section.</summary>
public sealed record SafeTensorInfo(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long End)
{
    public long ByteCount => End - Begin;
}

/// <summary>
/// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header length, a JSON
/// header mapping each name to <c>{dtype, shape, data_offsets}</c> (plus an optional <c>__metadata__</c> map of
/// strings), then the raw little-endian data. Reading opens the file once and copies each tensor straight from its
/// offset into the tensor's own memory: the file is never loaded whole.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>The reference implementation refuses headers over 100 MB; so do we, before allocating one.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>Spans are int-indexed: tensors over 2 GiB are copied in chunks of this many bytes.</summary>
    private const long ChunkBytes = 1L << 26;

    private readonly SafeFileHandle _file;
    private readonly long _dataStart;

    private SafeTensorsFile(string path, SafeFileHandle file, long dataStart, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _file = file;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The entries of the header, in the order the file lists them.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header; throws <see cref="ModelFormatException"/> naming the file and key.</summary>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelFormatException($"{path} does not exist", "check the path; a model folder holds model.safetensors or model.safetensors.index.json");
        }

        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var fileLength = RandomAccess.GetLength(file);
            Span<byte> lengthBytes = stackalloc byte[8];
            if (fileLength < 8 || RandomAccess.Read(file, lengthBytes, 0) < 8)
            {
                throw Broken(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
            }

            var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
            if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > fileLength - 8)
            {
                throw Broken(path, $"the header length {headerLength} does not fit a {fileLength}-byte file");
            }

            var header = new byte[headerLength];
            ReadExactly(file, header, 8);
            var dataStart = 8 + headerLength;
            var (tensors, metadata) = ParseHeader(path, header, fileLength - dataStart);
            return new SafeTensorsFile(path, file, dataStart, tensors, metadata);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>Reads one tensor into a new CPU tensor of its stored dtype.</summary>
    public Tensor Read(string name)
    {
        if (!Tensors.TryGetValue(name, out var info))
        {
            throw new ModelFormatException($"{Path} has no tensor '{name}'", "the checkpoint does not match the model; check config.json and the weight files");
        }

        var tensor = empty(info.Shape, info.Type);
        if (info.ByteCount == 0) return tensor;
        using var flat = tensor.view(-1);
        var elementSize = info.ByteCount / flat.shape[0];
        var elementsPerChunk = ChunkBytes / elementSize;
        for (long start = 0; start < flat.shape[0]; start += elementsPerChunk)
        {
            var count = Math.Min(elementsPerChunk, flat.shape[0] - start);
            using var chunk = flat.narrow(0, start, count);
            ReadExactly(_file, chunk.bytes, _dataStart + info.Begin + start * elementSize);
        }

        return tensor;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device; copied to CPU one at a time) with an optional <c>__metadata__</c>.
    /// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var duplicate = list.GroupBy(t => t.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"the tensor name '{duplicate.Key}' appears twice", nameof(tensors));

        using var headerStream = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerStream))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, tensor) in list)
            {
                var bytes = tensor.numel() * SafeTensorsDType.SizeOf(tensor.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorsDType.NameOf(tensor.dtype));
                json.WriteStartArray("shape");
                foreach (var d in tensor.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        var padding = (int)((8 - headerStream.Length % 8) % 8);
        for (var i = 0; i < padding; i++) headerStream.WriteByte((byte)' ');

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(lengthBytes, headerStream.Length);
        stream.Write(lengthBytes);
        headerStream.Position = 0;
        headerStream.CopyTo(stream);
        foreach (var (_, tensor) in list)
        {
            if (tensor.numel() == 0) continue;
            using var scope = NewDisposeScope();
            var flat = tensor.detach().cpu().contiguous().view(-1);
            var elementSize = SafeTensorsDType.SizeOf(tensor.dtype);
            var elementsPerChunk = ChunkBytes / elementSize;
            for (long start = 0; start < flat.shape[0]; start += elementsPerChunk)
            {
                stream.Write(flat.narrow(0, start, Math.Min(elementsPerChunk, flat.shape[0] - start)).bytes);
            }
        }
    }

    public void Dispose() => _file.Dispose();

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException e)
        {
            throw Broken(path, $"the header is not valid JSON ({e.Message})");
        }
        catch (ArgumentException)
        {
            throw Broken(path, "the header is not UTF-8 text");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Broken(path, "the header is not a JSON object");
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Broken(path, "__metadata__ is not an object of strings");
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        metadata[entry.Name] = entry.Value.ValueKind == JsonValueKind.String
                            ? entry.Value.GetString()!
                            : throw Broken(path, $"__metadata__ '{entry.Name}' is not a string");
                    }

                    continue;
                }

                tensors[property.Name] = ParseEntry(path, property.Name, property.Value, dataLength);
            }

            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string path, string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw Broken(path, $"the entry of '{name}' is not an object");
        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Broken(path, $"'{name}' has no dtype");
        }

        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryParse(dtype, out var type, out var elementSize))
        {
            throw new ModelFormatException($"{path}: '{name}' has dtype {dtype}, which is not supported (supported: {string.Join(", ", SafeTensorsDType.Names)})",
                "convert the checkpoint to F32, F16 or BF16");
        }

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || shapeElement.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var v) || v < 0))
        {
            throw Broken(path, $"'{name}' has no shape of non-negative integers");
        }

        var shape = shapeElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end))
        {
            throw Broken(path, $"'{name}' has no data_offsets [begin, end]");
        }

        if (begin < 0 || end < begin || end > dataLength)
        {
            throw Broken(path, $"'{name}' has data_offsets [{begin}, {end}] outside the {dataLength}-byte data section (is the file truncated?)");
        }

        var expected = shape.Aggregate(1L, (a, b) => a * b) * elementSize;
        if (end - begin != expected)
        {
            throw Broken(path, $"'{name}' is {end - begin} bytes but its shape [{string.Join(", ", shape)}] of {dtype} needs {expected}");
        }

        return new SafeTensorInfo(name, dtype, type, shape, begin, end);
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            var read = RandomAccess.Read(file, buffer, offset);
            if (read <= 0) throw new EndOfStreamException($"unexpected end of file at byte {offset}");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static ModelFormatException Broken(string path, string problem) =>
        new($"{path} is not a valid safetensors file: {problem}", "write it again, or check that the download or copy finished");
}
