using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Diagnostics;
using Pipelines.Expressions;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>Reads typed values out of located YAML nodes, reporting each mismatch where it is.</summary>
internal sealed class NodeReader(DiagnosticBag diagnostics)
{
    public DiagnosticBag Diagnostics => diagnostics;

    /// <summary>The node as a mapping whose keys are all in <paramref name="allowed"/>; unknown keys are reported.</summary>
    public MappingNode? Mapping(Node? node, string what, IReadOnlyCollection<string>? allowed = null)
    {
        if (node is null) return null;
        if (node is ScalarNode scalar && YamlScalars.IsNull(scalar)) return null;
        if (node is not MappingNode mapping)
        {
            diagnostics.Error(DiagnosticCodes.WrongNodeType, node.Start, $"{what} must be a mapping, not {node.KindName}",
                allowed is null ? null : $"expected keys: {string.Join(", ", allowed)}");
            return null;
        }

        if (allowed is not null)
        {
            foreach (var entry in mapping.Entries.Where(e => !allowed.Contains(e.Key.Value)))
            {
                diagnostics.Error(DiagnosticCodes.UnknownKey, entry.Key.Start, $"unknown key {DiagnosticText.Quote(entry.Key.Value)} in {what}",
                    () => NearestName.Hint(entry.Key.Value, allowed) ?? $"allowed keys: {string.Join(", ", allowed)}");
            }
        }

        return mapping;
    }

    public void Require(MappingNode mapping, string key, string what, string hint)
    {
        if (mapping[key] is null || mapping[key] is ScalarNode s && YamlScalars.IsNull(s))
        {
            diagnostics.Error(DiagnosticCodes.MissingField, mapping.Start, $"{what} is missing {DiagnosticText.Quote(key)}", hint);
        }
    }

    /// <summary>A literal scalar (expressions are not allowed here); null when absent or wrong.</summary>
    public ScalarNode? Scalar(Node? node, string what)
    {
        switch (node)
        {
            case null:
                return null;
            case ScalarNode scalar when YamlScalars.IsNull(scalar):
                return null;
            case ScalarNode scalar when TemplateString.ContainsExpression(scalar.Value):
                diagnostics.Error(DiagnosticCodes.ExpressionNotAllowed, scalar.Start, $"{what} cannot use ${{{{ }}}} expressions",
                    "write a literal value here; expressions are evaluated only in step inputs, when, matrix and select");
                return null;
            case ScalarNode scalar:
                return scalar;
            default:
                diagnostics.Error(DiagnosticCodes.WrongNodeType, node.Start, $"{what} must be a single value, not {node.KindName}");
                return null;
        }
    }

    public string? String(Node? node, string what) => Scalar(node, what)?.Value;

    public bool? Boolean(Node? node, string what)
    {
        if (Scalar(node, what) is not { } scalar) return null;
        if (YamlScalars.ToJson(scalar) is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        diagnostics.Error(DiagnosticCodes.InvalidValue, scalar.Start, $"{what} must be true or false, not {DiagnosticText.Quote(scalar.Value)}");
        return null;
    }

    public double? Number(Node? node, string what)
    {
        if (Scalar(node, what) is not { } scalar) return null;
        if (Json.JsonNumbers.AsDouble(YamlScalars.ToJson(scalar)) is { } d) return d;
        diagnostics.Error(DiagnosticCodes.InvalidValue, scalar.Start, $"{what} must be a number, not {DiagnosticText.Quote(scalar.Value)}");
        return null;
    }

    public long? Integer(Node? node, string what)
    {
        if (Scalar(node, what) is not { } scalar) return null;
        if (Json.JsonNumbers.AsLong(YamlScalars.ToJson(scalar)) is { } l) return l;
        diagnostics.Error(DiagnosticCodes.InvalidValue, scalar.Start, $"{what} must be a whole number, not {DiagnosticText.Quote(scalar.Value)}");
        return null;
    }

    /// <summary>A duration from zero to <paramref name="max"/>; where zero makes no sense the caller refuses it, saying why.</summary>
    public TimeSpan? Duration(Node? node, string what, TimeSpan max)
    {
        if (Scalar(node, what) is not { } scalar) return null;
        if (!Definitions.Duration.TryParse(scalar.Value, out var value, out var error))
        {
            diagnostics.Error(DiagnosticCodes.InvalidDuration, scalar.Start, $"{what}: {error}", Definitions.Duration.Help);
            return null;
        }

        if (value > max)
        {
            diagnostics.Error(DiagnosticCodes.InvalidDuration, scalar.Start,
                $"{what} of {scalar.Value} is longer than the limit of {Definitions.Duration.Format(max)}", "use a shorter duration");
            return null;
        }

        return value;
    }

    public string Describe(double value) => value.ToString(CultureInfo.InvariantCulture);
}
