using System.Text.Json.Nodes;
using Pipelines.Activities;
using Pipelines.Registry;
using Pipelines.Runtime.Stores;

namespace Pipelines.Runtime;

/// <summary>
/// Resolves <see cref="RegistryReference"/>s (<c>registry://NAME@ALIAS</c>, <c>registry://NAME/VERSION</c>) in a step's
/// local-path inputs to the files they name, when the step starts: after its expressions are rendered and before the
/// file roots are checked or the cache key is computed, so the step's stored inputs record the exact files it used and
/// an alias that moved is a new cache key. Wherever a model (or dataset) input is taken, a registry reference works.
/// </summary>
internal static class RegistryInputs
{
    /// <summary>
    /// Replaces every registry reference among <paramref name="activity"/>'s local-path inputs in place and returns one
    /// line per replacement for the step's log ("model: registry://x@production is version 3 (artifact://...)").
    /// </summary>
    /// <exception cref="RegistryInputException">A reference is malformed or names nothing; the message names the input.</exception>
    public static IReadOnlyList<string> Resolve(ActivityDescriptor activity, JsonObject inputs, IModelRegistry registry)
    {
        List<string>? lines = null;
        foreach (var port in activity.Inputs)
        {
            if (!port.LocalPath) continue;
            switch (inputs[port.Name])
            {
                case JsonValue value when value.TryGetValue<string>(out var text) && RegistryReference.IsReference(text):
                    inputs[port.Name] = ResolveOne(text, port.Name, registry, lines ??= []);
                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonValue item && item.TryGetValue<string>(out var path) && RegistryReference.IsReference(path))
                            list[i] = ResolveOne(path, $"{port.Name}[{i}]", registry, lines ??= []);
                    }

                    break;
            }
        }

        return lines ?? (IReadOnlyList<string>)[];
    }

    private static string ResolveOne(string text, string input, IModelRegistry registry, List<string> lines)
    {
        try
        {
            var reference = RegistryReference.Parse(text);
            // The coordinator waits for this read as it waits for its own commits: one indexed lookup in the store.
            var (version, source) = reference.ResolveSourceAsync(registry, CancellationToken.None).GetAwaiter().GetResult();
            lines.Add($"{input}: {reference} is version {version.Version} of {version.Model} ({source})");
            return source;
        }
        catch (RegistryException e)
        {
            throw new RegistryInputException($"input '{input}': {e.Message}; {e.Hint}");
        }
    }
}

/// <summary>A registry reference among a step's inputs that names nothing: the step fails with this message.</summary>
internal sealed class RegistryInputException(string message) : Exception(message);
