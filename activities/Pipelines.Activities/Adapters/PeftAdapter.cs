using Pipelines.Activities.Models;
using Pipelines.Activities.Models.SafeTensors;
using static TorchSharp.torch;

namespace Pipelines.Activities.Adapters;

/// <summary>
/// Adapters on disk in PEFT's format: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, whose keys are
/// the module path behind <c>base_model.model.</c> with the adapter name left out:
/// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c> shaped <c>[r, in]</c>, <c>…lora_B.weight</c>
/// shaped <c>[out, r]</c>. Hugging Face PEFT loads what we save, and we load what it saves.
/// </summary>
public static class PeftAdapter
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    const string Prefix = "base_model.model.";

    public static string KeyOf(string modulePath, char matrix) => $"{Prefix}{modulePath}.lora_{matrix}.weight";

    public static void Save(LoraModel lora, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Join(directory, ConfigFile), lora.Settings.ToJson());
        var tensors = new List<KeyValuePair<string, Tensor>>(lora.Layers.Count * 2);
        foreach (var (path, layer) in lora.Layers)
        {
            tensors.Add(new(KeyOf(path, 'A'), layer.A.weight));
            tensors.Add(new(KeyOf(path, 'B'), layer.B.weight));
        }
        SafeTensorsFile.Write(Path.Join(directory, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Attaches the adapter saved in <paramref name="directory"/> to <paramref name="model"/> and loads its weights.</summary>
    /// <exception cref="ModelFormatException">The folder is not an adapter, or it does not fit this model.</exception>
    public static LoraModel Load(CausalLanguageModel model, string directory)
    {
        var configPath = Path.Join(directory, ConfigFile);
        var weightsPath = Path.Join(directory, WeightsFile);
        if (!File.Exists(configPath))
            throw new ModelFormatException($"{directory} has no {ConfigFile}", "point --adapter at a folder written by train.lora or by PEFT's save_pretrained");
        if (!File.Exists(weightsPath))
        {
            throw new ModelFormatException($"{directory} has no {WeightsFile}",
                File.Exists(Path.Join(directory, "adapter_model.bin"))
                    ? "only safetensors adapters are read; save it again with safe_serialization=True"
                    : "the adapter's weights are missing");
        }

        LoraSettings settings;
        try
        {
            settings = LoraSettings.Read(configPath);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(e.Message, "load an adapter trained with plain LoRA settings");
        }

        var lora = LoraInjection.Apply(model, settings);
        using var file = SafeTensorsFile.Open(weightsPath);
        var used = new HashSet<string>();
        using (no_grad())
        {
            foreach (var (path, layer) in lora.Layers)
            {
                Copy(file, KeyOf(path, 'A'), layer.A.weight, used);
                Copy(file, KeyOf(path, 'B'), layer.B.weight, used);
            }
        }
        var unused = file.Tensors.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0)
        {
            throw new ModelFormatException($"{weightsPath} holds {unused.Count} tensors this model has no place for, e.g. {unused[0]}",
                "the adapter was trained on another architecture or with other target_modules");
        }
        return lora;
    }

    static void Copy(SafeTensorsFile file, string key, Tensor target, HashSet<string> used)
    {
        if (!file.Contains(key))
            throw new ModelFormatException($"{file.Path} has no tensor '{key}'", "the adapter does not match this model's layers");
        using var stored = file.Read(key);
        if (!stored.shape.SequenceEqual(target.shape))
        {
            throw new ModelFormatException(
                $"{file.Path}: '{key}' is shaped [{string.Join(", ", stored.shape)}], this model needs [{string.Join(", ", target.shape)}]",
                "the adapter was trained on a model of another size or with another rank");
        }
        target.copy_(stored);
        used.Add(key);
    }
}
