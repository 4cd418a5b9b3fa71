using System.Text;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>GGUF metadata values as CLR values: which GGUF type each is, and how it is written and read.</summary>
internal static class GgufValues
{
    public static GgufValueType TypeOf(object value) => value switch
    {
        byte => GgufValueType.UInt8,
        sbyte => GgufValueType.Int8,
        ushort => GgufValueType.UInt16,
        short => GgufValueType.Int16,
        uint => GgufValueType.UInt32,
        int => GgufValueType.Int32,
        float => GgufValueType.Float32,
        bool => GgufValueType.Bool,
        string => GgufValueType.String,
        ulong => GgufValueType.UInt64,
        long => GgufValueType.Int64,
        double => GgufValueType.Float64,
        Array array when array.GetType().GetElementType() is { IsArray: false } element && element != typeof(object) && ElementType(element) is not null => GgufValueType.Array,
        _ => throw new ArgumentException($"GGUF metadata cannot hold a {value.GetType().Name}", nameof(value)),
    };

    public static void Write(BinaryWriter writer, object value)
    {
        switch (value)
        {
            case byte v: writer.Write(v); break;
            case sbyte v: writer.Write(v); break;
            case ushort v: writer.Write(v); break;
            case short v: writer.Write(v); break;
            case uint v: writer.Write(v); break;
            case int v: writer.Write(v); break;
            case float v: writer.Write(v); break;
            case bool v: writer.Write(v); break;
            case string v: WriteString(writer, v); break;
            case ulong v: writer.Write(v); break;
            case long v: writer.Write(v); break;
            case double v: writer.Write(v); break;
            case Array array:
                writer.Write((uint)ElementType(array.GetType().GetElementType()!)!.Value);
                writer.Write((ulong)array.Length);
                foreach (var item in array) Write(writer, item!);
                break;
        }
    }

    public static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static GgufValueType? ElementType(Type element) =>
        element == typeof(byte) ? GgufValueType.UInt8
        : element == typeof(sbyte) ? GgufValueType.Int8
        : element == typeof(ushort) ? GgufValueType.UInt16
        : element == typeof(short) ? GgufValueType.Int16
        : element == typeof(uint) ? GgufValueType.UInt32
        : element == typeof(int) ? GgufValueType.Int32
        : element == typeof(float) ? GgufValueType.Float32
        : element == typeof(bool) ? GgufValueType.Bool
        : element == typeof(string) ? GgufValueType.String
        : element == typeof(ulong) ? GgufValueType.UInt64
        : element == typeof(long) ? GgufValueType.Int64
        : element == typeof(double) ? GgufValueType.Float64
        : null;

    /// <summary>The CLR element type the reader makes for a GGUF array of <paramref name="type"/>.</summary>
    public static Type ClrType(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no CLR type"),
    };
}
