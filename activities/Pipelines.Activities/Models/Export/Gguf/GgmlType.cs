namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>The ggml tensor types we write and read, with ggml's numbers (the values stored in a GGUF tensor info).</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    /// <summary>Blocks of 32: a float16 scale d and 16 bytes of nibbles, value = (nibble − 8) · d.</summary>
    Q4_0 = 2,
    /// <summary>Blocks of 32: a float16 scale d and 32 signed bytes, value = q · d.</summary>
    Q8_0 = 8,
}

/// <summary>The value types of GGUF metadata, with the numbers the format stores.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>One tensor of a GGUF file: its name, its dimensions innermost first (ggml's order), its type and where its data starts.</summary>
/// <param name="Offset">Bytes from the start of the data section; a multiple of the file's alignment.</param>
public sealed record GgufTensorInfo(string Name, IReadOnlyList<long> Dimensions, GgmlType Type, long Offset)
{
    public long Elements => Dimensions.Aggregate(1L, (a, d) => a * d);

    /// <summary>The bytes its data takes: 4 or 2 per element, or 34 (Q8_0) / 18 (Q4_0) per block of 32.</summary>
    public long Bytes => GgmlBlocks.BytesOf(Type, Elements);
}
