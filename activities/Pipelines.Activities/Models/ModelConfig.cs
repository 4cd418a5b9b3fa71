using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Pipelines.Activities.Models;

/// <summary>
/// What every Hugging Face <c>config.json</c> of a causal language model has. Each architecture's record adds its own
/// fields under their config.json names; keys we do not model are kept in <see cref="Extra"/> and written back, so
/// load → save preserves the file.
/// </summary>
public abstract record ModelConfig
{
    [JsonPropertyName("model_type")]
    public string ModelType { get; init; } = "";

    [JsonPropertyName("architectures")]
    public IReadOnlyList<string>? Architectures { get; init; }

    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; }

    [JsonPropertyName("bos_token_id")]
    public int? BosTokenId { get; init; }

    /// <summary>One id or a list (Llama 3 stops on several); written back as it was read.</summary>
    [JsonPropertyName("eos_token_id")]
    [JsonConverter(typeof(TokenIdsConverter))]
    public IReadOnlyList<int>? EosTokenId { get; init; }

    [JsonPropertyName("pad_token_id")]
    public int? PadTokenId { get; init; }

    [JsonPropertyName("initializer_range")]
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>The dtype the weights were saved in (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>); newer files call it <c>dtype</c>.</summary>
    [JsonPropertyName("torch_dtype")]
    public string? TorchDtype { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>The longest sequence (prompt plus generated tokens) the model is meant for.</summary>
    [JsonIgnore]
    public abstract int ContextWindow { get; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The model types we run, each with the config record and module that read it.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "mistral", "qwen2", "gpt2"];

    /// <summary>Reads <c>config.json</c> of <paramref name="directory"/>; errors name the file and say what to do.</summary>
    public static ModelConfig Load(string directory)
    {
        var path = Path.Combine(directory, "config.json");
        if (!Directory.Exists(directory)) throw new ModelFormatException($"the model folder {directory} does not exist", "pass a folder made by `pipelines model init` or saved by Hugging Face save_pretrained");
        if (!File.Exists(path)) throw new ModelFormatException($"{directory} has no config.json", "a model folder holds config.json, model.safetensors and tokenizer files; make one with `pipelines model init`");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses config.json text; <paramref name="path"/> only names the file in errors.</summary>
    public static ModelConfig Parse(string json, string path = "config.json")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON ({e.Message})", "fix or regenerate the file");
        }

        if (root is not JsonObject obj) throw new ModelFormatException($"{path} is not a JSON object", "fix or regenerate the file");
        var modelType = obj["model_type"]?.GetValueKind() == JsonValueKind.String ? obj["model_type"]!.GetValue<string>() : null;
        modelType ??= (obj["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() switch
        {
            "LlamaForCausalLM" => "llama",
            "MistralForCausalLM" => "mistral",
            "Qwen2ForCausalLM" => "qwen2",
            "GPT2LMHeadModel" => "gpt2",
            _ => null,
        };
        if (modelType is null) throw new ModelFormatException($"{path} has no model_type", $"set \"model_type\" to one of {string.Join(", ", SupportedModelTypes)}");

        // Newer transformers write "dtype" where older ones wrote "torch_dtype".
        if (obj["torch_dtype"] is null && obj["dtype"] is { } dtype)
        {
            obj.Remove("dtype");
            obj["torch_dtype"] = dtype;
        }

        obj["model_type"] = modelType;
        ModelConfig config;
        try
        {
            config = modelType switch
            {
                "llama" or "mistral" or "qwen2" => obj.Deserialize<LlamaConfig>(Json)!,
                "gpt2" => obj.Deserialize<Gpt2Config>(Json)!,
                _ => throw new ModelFormatException($"{path}: model_type '{modelType}' is not supported",
                    $"supported model types are {string.Join(", ", SupportedModelTypes)} (Llama-style and GPT-2 decoders)"),
            };
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: {(e.Path is { Length: > 1 } p ? $"{p.TrimStart('$', '.')} " : "")}has a value of the wrong type ({e.Message.Split('.')[0]})", "fix or regenerate the file");
        }

        config.Validate(path);
        return config;
    }

    /// <summary>Writes config.json into <paramref name="directory"/>, keys sorted as transformers writes them.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var unsorted = JsonSerializer.SerializeToNode(this, GetType(), Json)!.AsObject();
        var sorted = new JsonObject();
        foreach (var (key, value) in unsorted.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            unsorted.Remove(key);
            sorted[key] = value;
        }

        File.WriteAllText(Path.Combine(directory, "config.json"), sorted.ToJsonString(Json) + "\n");
    }

    /// <summary>Checks the sizes make a model; throws naming <paramref name="path"/> and the field.</summary>
    public abstract void Validate(string path);

    /// <summary>The torch dtype named by <see cref="TorchDtype"/> (float32 when absent or unknown).</summary>
    public static ScalarType DTypeOf(string? torchDtype) => torchDtype switch
    {
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        "float64" => ScalarType.Float64,
        _ => ScalarType.Float32,
    };

    public static string NameOf(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => "float32",
    };

    protected static void Require(bool condition, string path, string field, string problem)
    {
        if (!condition) throw new ModelFormatException($"{path}: {field} {problem}", "fix config.json so its sizes describe the checkpoint");
    }

    /// <summary>config.json's <c>eos_token_id</c>: a number or a list of numbers.</summary>
    private sealed class TokenIdsConverter : JsonConverter<IReadOnlyList<int>>
    {
        public override IReadOnlyList<int>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number) return [reader.GetInt32()];
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a token id or a list of token ids");
            var ids = new List<int>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) ids.Add(reader.GetInt32());
            return ids;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<int> value, JsonSerializerOptions options)
        {
            if (value.Count == 1)
            {
                writer.WriteNumberValue(value[0]);
                return;
            }

            writer.WriteStartArray();
            foreach (var id in value) writer.WriteNumberValue(id);
            writer.WriteEndArray();
        }
    }
}
