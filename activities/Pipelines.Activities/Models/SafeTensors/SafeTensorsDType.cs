using static TorchSharp.torch;

namespace Pipelines.Activities.Models.SafeTensors;

/// <summary>The safetensors dtype names (<c>"F32"</c>, <c>"BF16"</c>, …) and the torch scalar types they store.</summary>
public static class SafeTensorsDType
{
    private static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
    ];

    public static IEnumerable<string> Names => Table.Select(t => t.Name);

    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                (type, elementSize) = (entry.Type, entry.Size);
                return true;
            }
        }

        (type, elementSize) = (default, 0);
        return false;
    }

    public static string NameOf(ScalarType type) =>
        Table.FirstOrDefault(t => t.Type == type).Name
        ?? throw new NotSupportedException($"safetensors has no dtype for {type}");

    public static int SizeOf(ScalarType type) =>
        Table.FirstOrDefault(t => t.Type == type) is { Name: not null } entry ? entry.Size : throw new NotSupportedException($"safetensors has no dtype for {type}");
}
