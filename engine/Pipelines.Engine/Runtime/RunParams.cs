using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using Pipelines.Json;

namespace Pipelines.Runtime;

/// <summary>A run's params: the pipeline's defaults with the run's overrides, each checked against its declared type.</summary>
public static class RunParams
{
    /// <summary>Merges overrides into defaults; every problem (unknown name, wrong type, missing value) is returned at once.</summary>
    public static JsonObject Resolve(PipelineDefinition pipeline, JsonObject overrides, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var result = new JsonObject();
        foreach (var (name, value) in overrides)
        {
            var param = pipeline.Params.FirstOrDefault(p => p.Name == name);
            if (param is null)
            {
                var hint = NearestName.Hint(name, pipeline.Params.Select(p => p.Name));
                problems.Add($"unknown param '{name}'" + (hint is null ? $"; {pipeline.Name} has params: {Names(pipeline)}" : $"; {hint}"));
                continue;
            }

            if (Check(param, value) is { } error)
            {
                problems.Add(error);
                continue;
            }

            result[name] = value?.DeepClone();
        }

        foreach (var param in pipeline.Params)
        {
            if (overrides.ContainsKey(param.Name)) continue;
            if (param.HasDefault)
            {
                result[param.Name] = param.Default?.DeepClone();
            }
            else
            {
                problems.Add($"param '{param.Name}' has no default, so the run must give it ({param.Type.ToString().ToLowerInvariant()})");
            }
        }

        errors = problems;
        return result;
    }

    /// <summary>
    /// Reads <c>k=v</c> pairs from a command line. The value is read for the param's type: text stays text, numbers
    /// and booleans are parsed, lists and objects are JSON (<c>sizes=[4,8]</c>).
    /// </summary>
    public static JsonObject FromPairs(PipelineDefinition pipeline, IEnumerable<string> pairs, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                problems.Add($"'{pair}' is not NAME=VALUE");
                continue;
            }

            var name = pair[..equals];
            var text = pair[(equals + 1)..];
            var type = pipeline.Params.FirstOrDefault(p => p.Name == name)?.Type ?? ParamType.String;
            try
            {
                result[name] = type switch
                {
                    ParamType.String => JsonValue.Create(text),
                    ParamType.Integer => JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)),
                    ParamType.Number => JsonValue.Create(Finite(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))),
                    ParamType.Boolean => JsonValue.Create(bool.Parse(text)),
                    _ => JsonNode.Parse(text),
                };
            }
            catch (Exception e) when (e is FormatException or OverflowException or JsonException)
            {
                problems.Add($"param '{name}': '{text}' is not {PipelineLoader.Article(type)}");
            }
        }

        errors = problems;
        return result;
    }

    private static string? Check(ParamDefinition param, JsonNode? value)
    {
        var ok = param.Type switch
        {
            ParamType.String => value is JsonValue v && v.GetValueKind() == JsonValueKind.String,
            ParamType.Number => JsonNumbers.IsNumber(value),
            ParamType.Integer => JsonNumbers.IsInteger(value),
            ParamType.Boolean => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            ParamType.List => value is JsonArray,
            _ => value is JsonObject,
        };
        if (!ok)
        {
            return $"param '{param.Name}' must be {PipelineLoader.Article(param.Type)}, not {YamlScalars.TypeName(value)}";
        }

        // JSON text can hold 1e400; a double cannot, and its infinity cannot be written back as JSON.
        if (param.Type == ParamType.Number && !double.IsFinite(JsonNumbers.AsDouble(value)!.Value))
        {
            return $"param '{param.Name}' is {value!.ToJsonString()}, beyond the largest number (about 1.8e308)";
        }

        if (param.AllowedValues is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            return $"param '{param.Name}' must be one of: {string.Join(", ", allowed.Select(a => a?.ToJsonString()))}";
        }

        return null;
    }

    /// <summary>Parsing gives infinity for 1e400 (and takes "Infinity" and "NaN"); none of them is a JSON number.</summary>
    private static double Finite(double value) => double.IsFinite(value) ? value : throw new OverflowException();

    private static string Names(PipelineDefinition pipeline) =>
        pipeline.Params.Count == 0 ? "(none)" : string.Join(", ", pipeline.Params.Select(p => p.Name));
}
