using System.Text.Json;
using Pipelines.Activities.Models.SafeTensors;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models.Quantization;

/// <summary>
/// A quantized model as a folder our own runtime reads back: config.json, tokenizer files and one
/// <c>model.safetensors</c> in which each quantized matrix is two tensors, <c>KEY.values</c> (int8 <c>[rows, columns]</c>,
/// or for int4 the values + 8 packed two to a byte, low nibble first, as uint8 <c>[rows, ⌈columns/2⌉]</c>) and
/// <c>KEY.scales</c> (float16 <c>[rows, blocks]</c>), beside every tensor that stays float32 (norms, biases, GPT-2's
/// position embedding) under its usual key. The metadata entry <c>quantization</c> records bits and block size per
/// matrix. Meant for serving a model no other format was exported for; loading dequantizes to float32.
/// </summary>
public static class QuantizedCheckpoint
{
    public const string WeightsFile = "model.safetensors";
    private const string MetadataKey = "quantization";

    /// <summary>Writes <paramref name="model"/> with the matrices of <paramref name="quantized"/> replaced, and its tokenizer.</summary>
    public static void Save(CausalLanguageModel model, TextTokenizer tokenizer, IReadOnlyDictionary<string, QuantizedMatrix> quantized, string directory)
    {
        Directory.CreateDirectory(directory);
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        var layout = new Dictionary<string, MatrixLayout>();
        foreach (var (key, weight) in model.CheckpointTensors())
        {
            if (!quantized.TryGetValue(key, out var q))
            {
                tensors.Add(new(key, weight.to(ScalarType.Float32)));
                continue;
            }

            tensors.Add(new($"{key}.values", q.Bits == 4
                ? tensor(PackNibbles(q), [q.Rows, (q.Columns + 1) / 2], ScalarType.Byte)
                : tensor(q.Values, [q.Rows, q.Columns], ScalarType.Int8)));
            tensors.Add(new($"{key}.scales", tensor(q.Scales, [q.Rows, q.BlocksPerRow]).to(ScalarType.Float16)));
            layout[key] = new MatrixLayout(q.Bits, q.BlockSize, q.Rows, q.Columns);
        }

        model.Config.Save(directory);
        SafeTensorsFile.Write(Path.Join(directory, WeightsFile), tensors,
            new Dictionary<string, string> { ["format"] = "pt", [MetadataKey] = JsonSerializer.Serialize(layout) });
        tokenizer.Save(directory);
    }

    /// <summary>Reads a folder <see cref="Save"/> wrote as a float32 model whose quantized matrices hold their dequantized values.</summary>
    /// <exception cref="ModelFormatException">The folder is not a quantized checkpoint of the model its config.json describes.</exception>
    public static LoadedModel Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        var path = Path.Join(full, WeightsFile);
        if (!File.Exists(path)) throw new ModelFormatException($"{full} has no {WeightsFile}", "point at a folder written by model.quantize (format safetensors)");
        var model = CausalLanguageModel.Create(ModelConfig.Load(full));
        try
        {
            using var file = SafeTensorsFile.Open(path);
            if (!file.Metadata.TryGetValue(MetadataKey, out var json))
                throw new ModelFormatException($"{path} has no '{MetadataKey}' metadata", "it is not a quantized checkpoint; load it with ModelFolder.Load");
            var layout = JsonSerializer.Deserialize<Dictionary<string, MatrixLayout>>(json)!;
            using (no_grad())
            {
                foreach (var (key, weight) in model.CheckpointTensors().Where(t => !layout.ContainsKey(t.Key)))
                {
                    if (!file.Contains(key)) throw new ModelFormatException($"{path} has no tensor '{key}'", "config.json and the weights disagree; use the config.json saved with these weights");
                    using var stored = file.Read(key);
                    weight.copy_(stored);
                }
            }

            QuantizedWeights.Apply(model, layout.ToDictionary(entry => entry.Key, entry => Read(file, entry.Key, entry.Value)));
            model.eval();
            return new LoadedModel(model, TextTokenizer.Load(full), full);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static QuantizedMatrix Read(SafeTensorsFile file, string key, MatrixLayout layout)
    {
        using var scope = NewDisposeScope();
        var values = file.Read($"{key}.values");
        var scales = file.Read($"{key}.scales").to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var codes = layout.Bits == 4
            ? UnpackNibbles(values.contiguous().data<byte>().ToArray(), layout.Rows, layout.Columns)
            : values.contiguous().data<sbyte>().ToArray();
        return new QuantizedMatrix(layout.Rows, layout.Columns, layout.Bits, layout.BlockSize, codes, scales);
    }

    private static byte[] PackNibbles(QuantizedMatrix q)
    {
        var stride = (q.Columns + 1) / 2;
        var packed = new byte[q.Rows * stride];
        for (var r = 0; r < q.Rows; r++)
        {
            for (var c = 0; c < q.Columns; c++)
            {
                var nibble = (byte)(q.Values[r * q.Columns + c] + 8);
                packed[r * stride + c / 2] |= (byte)(c % 2 == 0 ? nibble : nibble << 4);
            }
        }

        return packed;
    }

    private static sbyte[] UnpackNibbles(byte[] packed, int rows, int columns)
    {
        var stride = (columns + 1) / 2;
        var values = new sbyte[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var b = packed[r * stride + c / 2];
                values[r * columns + c] = (sbyte)((c % 2 == 0 ? b & 0xF : b >> 4) - 8);
            }
        }

        return values;
    }

    private sealed record MatrixLayout(int Bits, int BlockSize, int Rows, int Columns);
}
