using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Adapters;

/// <summary>The adapters of one model: which projection carries which, and the settings they were made with.</summary>
public sealed class LoraModel
{
    internal LoraModel(LoraSettings settings, IReadOnlyList<(string Path, LoraLayer Layer)> layers)
    {
        Settings = settings;
        Layers = layers;
    }

    public LoraSettings Settings { get; }

    /// <summary>Each adapted projection's module path (<c>model.layers.0.self_attn.q_proj</c>) and its adapter.</summary>
    public IReadOnlyList<(string Path, LoraLayer Layer)> Layers { get; }

    public long TrainableParameters => Layers.Sum(l => l.Layer.A.weight.numel() + l.Layer.B.weight.numel());

    public void Merge()
    {
        foreach (var (_, layer) in Layers) layer.Merge();
    }

    public void Unmerge()
    {
        foreach (var (_, layer) in Layers) layer.Unmerge();
    }
}

/// <summary>Wraps a model's projections with LoRA adapters, as PEFT's <c>get_peft_model</c> does.</summary>
public static class LoraInjection
{
    /// <summary>
    /// Attaches fresh adapters to the projections <paramref name="settings"/> selects and freezes every other
    /// parameter, so only the adapters train. GPT-2's Conv1D layers get <c>fan_in_fan_out</c> as PEFT sets it.
    /// </summary>
    public static LoraModel Apply(CausalLanguageModel model, LoraSettings settings, Generator? generator = null)
    {
        var targets = settings.TargetModules ?? new JsonArray(model.DefaultLoraTargets.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        var selected = LoraTargets.Select(model, targets);
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;

        var layers = new List<(string, LoraLayer)>(selected.Count);
        foreach (var (path, projection) in selected)
            layers.Add((path, projection.AttachLora(settings.Rank, settings.Alpha, settings.Dropout, settings.UseRsLora, generator)));

        // As PEFT records it: all-linear becomes the names it stood for; lists and patterns stay as given.
        var recorded = targets is JsonValue value && value.TryGetValue(out string? text) && text == LoraTargets.AllLinear
            ? new JsonArray(selected.Select(s => s.Path[(s.Path.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal)
                .Select(name => (JsonNode?)JsonValue.Create(name)).ToArray())
            : targets.DeepClone();
        var fanInFanOut = selected.Any(s => s.Projection.FanInFanOut);
        return new LoraModel(settings with { TargetModules = recorded, FanInFanOut = fanInFanOut }, layers);
    }
}
