using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Activities;
using Pipelines.Diagnostics;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>
/// Checks a step input against its declared type: literals fully (type, range, allowed values, durations, nested
/// fields), expressions as far as their type is known before the run (<c>${{ params.x }}</c>, <c>${{ matrix.k }}</c>,
/// and text with <c>${{ }}</c> inside, which is always a string).
/// </summary>
internal sealed partial class InputTyping(DiagnosticBag diagnostics, IReadOnlyDictionary<string, ParamDefinition> parameters, IReadOnlyList<KeyValuePair<string, ValueTemplate>>? matrix)
{
    private readonly Dictionary<string, ValueTemplate>? _axes = matrix?.DistinctBy(a => a.Key).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    [GeneratedRegex(@"^\s*(params|matrix)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")]
    private static partial Regex SimplePath();

    /// <summary>Returns the template, with scalars converted to text where a string is expected.</summary>
    public ValueTemplate Check(ValueTemplate template, ValueShape shape, PortDescriptor? port, Node node, string what)
    {
        if (shape.Kind == ValueKind.Any) return template;
        switch (template)
        {
            case TemplateValue { Template.IsSingleExpression: true } single:
                if (Infer(single.Template.Parts[0].Text) is { } inferred && !Fits(inferred, shape.Kind))
                {
                    Mismatch(node, what, shape, $"{single.Template.Parts[0].Text.Trim()} is {Article(inferred)}");
                }

                return template;
            case TemplateValue:
                if (shape.Kind != ValueKind.String)
                {
                    Mismatch(node, what, shape, "text with ${{ }} inside is a string",
                        "to pass the expression's own value, make it the whole value: `${{ ... }}`");
                }

                return template;
            case ListValue list:
                if (shape.Kind != ValueKind.List)
                {
                    Mismatch(node, what, shape, "a list");
                    return template;
                }

                var items = node is SequenceNode sequence ? sequence.Items : [];
                return new ListValue(list.Items.Select((item, i) =>
                    shape.Items is null || i >= items.Count ? item : Check(item, shape.Items, null, items[i], $"item {i + 1} of {what}")).ToList());
            case ObjectValue obj:
                return CheckObject(obj, shape, node, what);
            case LiteralValue literal:
                return CheckLiteral(literal, shape, port, node, what);
            default:
                return template;
        }
    }

    private ValueTemplate CheckObject(ObjectValue obj, ValueShape shape, Node node, string what)
    {
        if (shape.Kind != ValueKind.Object)
        {
            Mismatch(node, what, shape, "a mapping");
            return obj;
        }

        // Keys are unique (duplicates are reported and dropped by the reader); a dictionary keeps a huge mapping linear.
        var entries = (node as MappingNode)?.Entries.ToDictionary(e => e.Key.Value, StringComparer.Ordinal);
        var fields = new List<KeyValuePair<string, ValueTemplate>>();
        foreach (var (key, value) in obj.Fields)
        {
            var entry = entries?.GetValueOrDefault(key);
            var field = shape.Properties?.FirstOrDefault(p => p.Name == key);
            if (shape.Properties is not null && field is null && entry is not null)
            {
                diagnostics.Error(DiagnosticCodes.UnknownInput, entry.Key.Start, $"{what} has no field {DiagnosticText.Quote(key)}",
                    NearestName.Hint(key, shape.Properties.Select(p => p.Name)) ?? $"its fields are: {string.Join(", ", shape.Properties.Select(p => p.Name))}");
            }

            var fieldShape = field?.Shape ?? shape.Items;
            fields.Add(KeyValuePair.Create(key, fieldShape is null || entry is null ? value : Check(value, fieldShape, field, entry.Value, $"field {DiagnosticText.Quote(key)} of {what}")));
        }

        foreach (var missing in shape.Properties?.Where(p => p.Required && obj.Fields.All(f => f.Key != p.Name)) ?? [])
        {
            diagnostics.Error(DiagnosticCodes.MissingInput, node.Start, $"{what} is missing field {DiagnosticText.Quote(missing.Name)}", $"add `{missing.Name}:` ({missing.Shape.DisplayName})");
        }

        return new ObjectValue(fields);
    }

    private ValueTemplate CheckLiteral(LiteralValue literal, ValueShape shape, PortDescriptor? port, Node node, string what)
    {
        var value = literal.Value;
        if (value is null)
        {
            return literal; // null means "not given": required inputs are checked by the caller
        }

        var kind = KindOf(value);
        if (shape.Kind == ValueKind.String && kind is ValueKind.Number or ValueKind.Integer or ValueKind.Boolean)
        {
            // `message: 42` is the text "42", as a person reading the YAML expects.
            value = JsonValue.Create(node is ScalarNode s ? s.Value : value.ToJsonString());
            kind = ValueKind.String;
        }

        if (!Fits(kind, shape.Kind))
        {
            Mismatch(node, what, shape, $"'{Preview(node)}' is {Article(kind)}");
            return literal;
        }

        if (port is not null && kind is ValueKind.Number or ValueKind.Integer)
        {
            var number = Json.JsonNumbers.AsDouble(value)!.Value;
            if (number < port.Minimum || number > port.Maximum)
            {
                diagnostics.Error(DiagnosticCodes.InputOutOfRange, node.Start, $"{what} is {Preview(node)}, outside {Range(port)}",
                    $"use a value from {port.Minimum} to {port.Maximum}");
            }
        }

        if (kind == ValueKind.String)
        {
            var text = value.GetValue<string>();
            if (port?.AllowedValues is { } allowed && !allowed.Contains(text))
            {
                diagnostics.Error(DiagnosticCodes.InvalidValue, node.Start, $"{what} is {DiagnosticText.Quote(text)}, which is not one of: {string.Join(", ", allowed)}",
                    NearestName.Hint(text, allowed));
            }

            if (shape.Format == "duration" && !Duration.TryParse(text, out _, out var error))
            {
                diagnostics.Error(DiagnosticCodes.InvalidDuration, node.Start, $"{what}: {error}", Duration.Help);
            }
        }

        return new LiteralValue(value);
    }

    private ValueKind? Infer(string expression)
    {
        var match = SimplePath().Match(expression);
        if (!match.Success) return null;
        var name = match.Groups[2].Value;
        if (match.Groups[1].Value == "params")
        {
            return parameters.GetValueOrDefault(name)?.Type switch
            {
                ParamType.String => ValueKind.String,
                ParamType.Number => ValueKind.Number,
                ParamType.Integer => ValueKind.Integer,
                ParamType.Boolean => ValueKind.Boolean,
                ParamType.List => ValueKind.List,
                ParamType.Object => ValueKind.Object,
                _ => null,
            };
        }

        // A matrix axis written as a literal list has the common type of its values.
        if (_axes?.GetValueOrDefault(name) is ListValue axis && axis.Items.All(i => i is LiteralValue { Value: not null }))
        {
            var kinds = axis.Items.Select(i => KindOf(((LiteralValue)i).Value!)).Distinct().ToList();
            if (kinds.Count == 1) return kinds[0];
            if (kinds.All(k => k is ValueKind.Integer or ValueKind.Number)) return ValueKind.Number;
        }

        return null;
    }

    private static bool Fits(ValueKind actual, ValueKind expected) =>
        actual == expected || expected == ValueKind.Any || actual == ValueKind.Any || (expected == ValueKind.Number && actual == ValueKind.Integer);

    internal static ValueKind KindOf(JsonNode value) => value switch
    {
        JsonArray => ValueKind.List,
        JsonObject => ValueKind.Object,
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => ValueKind.Boolean,
        _ when Json.JsonNumbers.IsInteger(value) => ValueKind.Integer,
        _ when Json.JsonNumbers.IsNumber(value) => ValueKind.Number,
        _ => ValueKind.String,
    };

    private void Mismatch(Node node, string what, ValueShape shape, string actual, string? hint = null) =>
        diagnostics.Error(DiagnosticCodes.WrongInputType, node.Start, $"{what} must be {Article(shape.Kind)}{FormatOf(shape)}, but {actual}", hint);

    private static string FormatOf(ValueShape shape) => shape.Format is null ? "" : $" ({shape.Format})";

    private static string Article(ValueKind kind) => kind switch
    {
        ValueKind.Integer => "an integer",
        ValueKind.Object => "a mapping",
        ValueKind.List => "a list",
        ValueKind.Boolean => "a boolean",
        ValueKind.Number => "a number",
        ValueKind.Any => "any value",
        _ => "a string",
    };

    private static string Range(PortDescriptor port) => $"[{port.Minimum}, {port.Maximum}]";

    private static string Preview(Node node) => node is ScalarNode s ? DiagnosticText.OneLine(s.Value, 40) : node.KindName;
}
