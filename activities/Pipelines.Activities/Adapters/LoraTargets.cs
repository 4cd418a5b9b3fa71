using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Activities.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipelines.Activities.Adapters;

/// <summary>
/// Which projections of a model get an adapter, with PEFT's rules: a list of names matches a module whose path equals a
/// name or ends with <c>.name</c>; a single string is a regular expression that must match the whole path; the string
/// <c>all-linear</c> means every projection but the output layer (<c>lm_head</c>).
/// </summary>
public static class LoraTargets
{
    public const string AllLinear = "all-linear";

    /// <summary>The <c>(path, projection)</c> pairs selected by <paramref name="targetModules"/>, in module order.</summary>
    /// <exception cref="ArgumentException">Nothing matches: the message lists the projections there are.</exception>
    public static IReadOnlyList<(string Path, Projection Projection)> Select(nn.Module model, JsonNode targetModules)
    {
        var projections = Projections(model);
        Func<string, bool> matches = targetModules switch
        {
            JsonValue value when value.TryGetValue(out string? text) && text == AllLinear =>
                path => !IsOutputLayer(path),
            JsonValue value when value.TryGetValue(out string? pattern) =>
                FullMatch(pattern!),
            JsonArray names => NameMatch(names.Select(n => n?.GetValue<string>() ?? "").ToArray()),
            _ => throw new ArgumentException("target_modules must be a list of module names, a regular expression, or all-linear."),
        };

        var selected = projections.Where(p => matches(p.Path)).ToList();
        if (selected.Count == 0)
        {
            var names = projections.Select(p => p.Path[(p.Path.LastIndexOf('.') + 1)..]).Distinct();
            throw new ArgumentException(
                $"target_modules {targetModules.ToJsonString()} matches no layer of this model; its linear layers are named {string.Join(", ", names)}.");
        }
        return selected;
    }

    /// <summary>Every projection of the model with its module path (<c>model.layers.0.self_attn.q_proj</c>).</summary>
    public static IReadOnlyList<(string Path, Projection Projection)> Projections(nn.Module model) =>
        model.named_modules().Where(m => m.module is Projection).Select(m => (m.name, (Projection)m.module)).ToList();

    static bool IsOutputLayer(string path) => path == "lm_head" || path.EndsWith(".lm_head", StringComparison.Ordinal);

    static Func<string, bool> NameMatch(string[] names) =>
        path => names.Any(name => path == name || path.EndsWith("." + name, StringComparison.Ordinal));

    static Func<string, bool> FullMatch(string pattern)
    {
        Regex regex;
        try
        {
            regex = new Regex($"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"target_modules \"{pattern}\" is not a valid regular expression: {e.Message}", e);
        }
        return path => regex.IsMatch(path);
    }
}
