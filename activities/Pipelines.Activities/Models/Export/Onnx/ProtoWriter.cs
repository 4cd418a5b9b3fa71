using System.Text;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// Protocol Buffers' wire format, the little of it ONNX files need: varints, 32-bit floats and length-delimited fields
/// (strings, bytes, nested messages). A nested message is written into its own buffer first because its length prefix
/// comes before it; graphs are small (weights live in the external data file), so that costs nothing.
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0;
    private const int Fixed32Type = 5;
    private const int LengthDelimitedType = 2;
    private readonly MemoryStream _buffer = new();

    public void Int(int field, long value)
    {
        Tag(field, VarintType);
        Varint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, Fixed32Type);
        Span<byte> bytes = stackalloc byte[4];
        BitConverter.TryWriteBytes(bytes, value);
        if (!BitConverter.IsLittleEndian) bytes.Reverse();
        _buffer.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimitedType);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>A nested message, field <paramref name="field"/>, whose content <paramref name="write"/> writes.</summary>
    public void Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
