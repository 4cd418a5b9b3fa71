using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Pipelines.Activities.Adapters;

/// <summary>
/// A LoRA adapter's settings as PEFT writes them to <c>adapter_config.json</c> (the names are PEFT's). We write every
/// field PEFT needs to load the adapter; reading accepts PEFT's files, and refuses what we cannot reproduce exactly
/// (per-module rank or alpha patterns, DoRA, bias training) with a message saying so.
/// </summary>
public sealed record LoraSettings
{
    [JsonPropertyName("peft_type")] public string PeftType { get; init; } = "LORA";
    [JsonPropertyName("task_type")] public string TaskType { get; init; } = "CAUSAL_LM";
    [JsonPropertyName("base_model_name_or_path")] public string? BaseModelNameOrPath { get; init; }
    [JsonPropertyName("r")] public int Rank { get; init; } = 8;
    [JsonPropertyName("lora_alpha")] public double Alpha { get; init; } = 16;
    [JsonPropertyName("lora_dropout")] public double Dropout { get; init; }

    /// <summary>A list of module names (a module matches when its path equals one or ends with <c>.name</c>), or one
    /// string: <c>all-linear</c>, or a regular expression that must match a module's whole path.</summary>
    [JsonPropertyName("target_modules")] public JsonNode? TargetModules { get; init; }

    [JsonPropertyName("fan_in_fan_out")] public bool FanInFanOut { get; init; }
    [JsonPropertyName("use_rslora")] public bool UseRsLora { get; init; }
    [JsonPropertyName("bias")] public string Bias { get; init; } = "none";
    [JsonPropertyName("inference_mode")] public bool InferenceMode { get; init; } = true;
    [JsonPropertyName("init_lora_weights")] public bool InitLoraWeights { get; init; } = true;
    [JsonPropertyName("use_dora")] public bool UseDora { get; init; }
    [JsonPropertyName("modules_to_save")] public JsonNode? ModulesToSave { get; init; }
    [JsonPropertyName("rank_pattern")] public JsonObject? RankPattern { get; init; } = [];
    [JsonPropertyName("alpha_pattern")] public JsonObject? AlphaPattern { get; init; } = [];
    [JsonPropertyName("layers_to_transform")] public JsonNode? LayersToTransform { get; init; }
    [JsonPropertyName("revision")] public string? Revision { get; init; }

    /// <summary>PEFT's scaling: <c>alpha / r</c>, or <c>alpha / √r</c> with rsLoRA.</summary>
    [JsonIgnore] public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads an <c>adapter_config.json</c>; <paramref name="path"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">The file is not a LoRA adapter we can load exactly.</exception>
    public static LoraSettings Read(string path)
    {
        LoraSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<LoraSettings>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid adapter_config.json ({e.Message}).", e);
        }
        if (settings is null) throw new InvalidDataException($"{path}: empty adapter_config.json.");
        settings.CheckSupported(path);
        return settings;
    }

    void CheckSupported(string path)
    {
        if (!string.Equals(PeftType, "LORA", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: peft_type is {PeftType}; only LORA adapters are supported.");
        if (Rank < 1) throw new InvalidDataException($"{path}: r must be at least 1 (it is {Rank}).");
        if (UseDora) throw new InvalidDataException($"{path}: use_dora is true; DoRA adapters are not supported.");
        if (Bias != "none") throw new InvalidDataException($"{path}: bias is \"{Bias}\"; only adapters trained with bias \"none\" are supported.");
        if (RankPattern is { Count: > 0 } || AlphaPattern is { Count: > 0 })
            throw new InvalidDataException($"{path}: rank_pattern/alpha_pattern give some modules their own rank or alpha; that is not supported.");
        if (ModulesToSave is JsonArray { Count: > 0 })
            throw new InvalidDataException($"{path}: modules_to_save trains whole modules beside the adapter; that is not supported.");
        if (LayersToTransform is not null && LayersToTransform is not JsonArray { Count: 0 })
            throw new InvalidDataException($"{path}: layers_to_transform limits the adapter to some layers; that is not supported.");
    }
}
