using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Activities;
using Pipelines.Diagnostics;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>
/// YAML → validated <see cref="PipelineDefinition"/>. Reads the whole document and reports every problem at once
/// (shape, names, activities and their inputs, expressions and references, cycles, schedules, durations, retries);
/// never throws on bad input.
/// </summary>
public static partial class PipelineLoader
{
    public const string ApiVersion = "pipelines/v1";
    public const string Kind = "Pipeline";

    internal static readonly string[] TopLevelKeys = ["apiVersion", "kind", "metadata", "params", "triggers", "defaults", "steps"];
    internal static readonly string[] MetadataKeys = ["name", "description", "labels"];
    internal static readonly string[] ParamKeys = ["type", "default", "description", "enum"];
    internal static readonly string[] DefaultsKeys = ["retry", "timeout", "resources", "cache"];

    [GeneratedRegex(FormatPatterns.PipelineName)]
    internal static partial Regex PipelineName();

    [GeneratedRegex(FormatPatterns.ParamName)]
    internal static partial Regex ParamName();

    [GeneratedRegex(FormatPatterns.LabelKey)]
    internal static partial Regex LabelKey();

    public static LoadResult Load(string file, byte[] content, ActivityCatalog catalog)
    {
        var diagnostics = new DiagnosticBag();
        var text = YamlReader.Decode(file, content, diagnostics);
        return text is null ? Result(null, diagnostics) : Load(file, text, catalog);
    }

    public static LoadResult Load(string file, string text, ActivityCatalog catalog)
    {
        var diagnostics = new DiagnosticBag();
        text = text.TrimStart('\uFEFF'); // a byte-order mark is not content
        var root = YamlReader.Read(file, text, diagnostics);
        return Finish(root, file, text, catalog, diagnostics);
    }

    /// <summary>
    /// Reads and validates a file from disk; an unreadable file (missing, a folder, a named pipe, a device) becomes a
    /// diagnostic, not an exception, and at most the size limit plus one byte is read.
    /// </summary>
    public static LoadResult LoadFile(string path, ActivityCatalog catalog) =>
        PipelineFile.Read(path, YamlLimits.Default.MaxBytes, out var unreadable) is { } content
            ? Load(path, content, catalog)
            : new LoadResult(null, [unreadable!]);

    private static LoadResult Result(PipelineDefinition? pipeline, DiagnosticBag diagnostics) => new(pipeline, diagnostics.Sorted(), diagnostics.Omitted);

    private static LoadResult Finish(Node? root, string file, string text, ActivityCatalog catalog, DiagnosticBag diagnostics)
    {
        if (root is null)
        {
            return Result(null, diagnostics);
        }

        if (root is ScalarNode blank && YamlScalars.IsNull(blank))
        {
            diagnostics.Error(DiagnosticCodes.EmptyFile, root.Start, "the document is empty (a null value)",
                "a pipeline is a mapping that starts with `apiVersion: pipelines/v1`; see pipelines/hello.yaml");
            return Result(null, diagnostics);
        }

        var reader = new NodeReader(diagnostics);
        var document = reader.Mapping(root, "the pipeline", TopLevelKeys);
        if (document is null)
        {
            return Result(null, diagnostics);
        }

        CheckHeader(reader, document);
        var metadata = ReadMetadata(reader, document);
        var parameters = ReadParams(reader, document["params"]);
        // Looked up by name from every trigger, input and expression: a dictionary, so thousands of each stay linear.
        var paramsByName = parameters.DistinctBy(p => p.Name).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var triggers = new TriggerReader(reader, paramsByName).ReadAll(document["triggers"]);
        var defaults = StepDefaults.Read(reader, document["defaults"]);
        var steps = new StepReader(reader, catalog, paramsByName, defaults).ReadAll(document, document["steps"]);

        var pipeline = new PipelineDefinition(
            metadata.Name ?? "",
            metadata.Description,
            metadata.Labels,
            parameters,
            triggers,
            steps,
            text);
        return Result(diagnostics.HasErrors ? null : pipeline, diagnostics);
    }

    private static void CheckHeader(NodeReader reader, MappingNode document)
    {
        reader.Require(document, "apiVersion", "the pipeline", $"add `apiVersion: {ApiVersion}` as the first line");
        reader.Require(document, "kind", "the pipeline", $"add `kind: {Kind}`");
        reader.Require(document, "metadata", "the pipeline", "add `metadata:` with a `name:`");
        reader.Require(document, "steps", "the pipeline", "add `steps:` with at least one step");

        if (reader.Scalar(document["apiVersion"], "apiVersion") is { } api && api.Value != ApiVersion)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidValue, api.Start, $"unsupported apiVersion {DiagnosticText.Quote(api.Value)}", $"this version reads `{ApiVersion}`");
        }

        if (reader.Scalar(document["kind"], "kind") is { } kind && kind.Value != Kind)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidValue, kind.Start, $"unsupported kind {DiagnosticText.Quote(kind.Value)}",
                NearestName.Hint(kind.Value, [Kind]) ?? $"write `kind: {Kind}`");
        }
    }

    private sealed record Metadata(string? Name, string? Description, IReadOnlyDictionary<string, string> Labels);

    private static Metadata ReadMetadata(NodeReader reader, MappingNode document)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.Mapping(document["metadata"], "metadata", MetadataKeys) is not { } metadata)
        {
            return new Metadata(null, null, labels);
        }

        reader.Require(metadata, "name", "metadata", "add `name:`, e.g. `name: email-subjects`");
        var nameNode = reader.Scalar(metadata["name"], "metadata.name");
        if (nameNode is not null && !PipelineName().IsMatch(nameNode.Value))
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidName, nameNode.Start, $"invalid pipeline name {DiagnosticText.Quote(nameNode.Value)}",
                "use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit, e.g. email-subjects");
        }

        if (reader.Mapping(metadata["labels"], "metadata.labels") is { } labelNodes)
        {
            foreach (var entry in labelNodes.Entries)
            {
                if (!LabelKey().IsMatch(entry.Key.Value))
                {
                    reader.Diagnostics.Error(DiagnosticCodes.InvalidName, entry.Key.Start, $"invalid label key {DiagnosticText.Quote(entry.Key.Value)}",
                        "use lower-case letters, digits, '.', '_', '/' and '-' (at most 63)");
                }

                if (reader.String(entry.Value, $"label {DiagnosticText.Quote(entry.Key.Value)}") is { } value)
                {
                    labels[entry.Key.Value] = value;
                }
            }
        }

        return new Metadata(nameNode?.Value, reader.String(metadata["description"], "metadata.description"), labels);
    }

    private static List<ParamDefinition> ReadParams(NodeReader reader, Node? node)
    {
        var parameters = new List<ParamDefinition>();
        if (reader.Mapping(node, "params") is not { } mapping)
        {
            return parameters;
        }

        var typeNames = Enum.GetNames<ParamType>().Select(n => n.ToLowerInvariant()).ToArray();
        foreach (var entry in mapping.Entries)
        {
            var name = entry.Key.Value;
            var what = $"param {DiagnosticText.Quote(name)}";
            if (!ParamName().IsMatch(name))
            {
                reader.Diagnostics.Error(DiagnosticCodes.InvalidName, entry.Key.Start, $"invalid param name {DiagnosticText.Quote(name)}",
                    "use letters, digits and '_', starting with a letter, e.g. min_rougeL (it is read as params.NAME)");
            }

            if (reader.Mapping(entry.Value, what, ParamKeys) is not { } definition)
            {
                if (entry.Value is ScalarNode s && YamlScalars.IsNull(s))
                {
                    reader.Diagnostics.Error(DiagnosticCodes.MissingField, entry.Key.Start, $"{what} is missing 'type'",
                        $"write e.g. `{name}: {{ type: string, default: ... }}`");
                }

                continue;
            }

            reader.Require(definition, "type", what, $"add `type:` ({string.Join(", ", typeNames)})");
            ParamType? type = null;
            if (reader.Scalar(definition["type"], $"{what} type") is { } typeNode)
            {
                if (!typeNames.Contains(typeNode.Value))
                {
                    reader.Diagnostics.Error(DiagnosticCodes.InvalidParam, typeNode.Start, $"unknown type {DiagnosticText.Quote(typeNode.Value)} for {what}",
                        NearestName.Hint(typeNode.Value, typeNames) ?? $"use one of: {string.Join(", ", typeNames)}");
                }
                else
                {
                    type = Enum.Parse<ParamType>(typeNode.Value, ignoreCase: true);
                }
            }

            var defaultNode = definition["default"];
            JsonNode? defaultValue = null;
            if (defaultNode is not null && type is { } t)
            {
                defaultValue = ParamValue(reader, defaultNode, t, $"the default of {what}");
            }

            List<JsonNode?>? allowed = null;
            if (definition["enum"] is { } enumNode)
            {
                if (enumNode is SequenceNode { Items.Count: > 0 } values)
                {
                    allowed = values.Items.Select(v => type is { } et ? ParamValue(reader, v, et, $"a value in the enum of {what}") : null).ToList();
                    if (defaultNode is not null && defaultValue is not null && !allowed.Any(a => JsonNode.DeepEquals(a, defaultValue)))
                    {
                        reader.Diagnostics.Error(DiagnosticCodes.InvalidParam, defaultNode.Start, $"the default of {what} is not one of its enum values");
                    }
                }
                else
                {
                    reader.Diagnostics.Error(DiagnosticCodes.InvalidParam, enumNode.Start, $"the enum of {what} must be a non-empty list");
                }
            }

            parameters.Add(new ParamDefinition(name, type ?? ParamType.String, defaultValue, defaultNode is not null,
                reader.String(definition["description"], $"{what} description"), allowed, entry.Key.Start));
        }

        return parameters;
    }

    /// <summary>A literal value for a param of the given type (defaults, enum values, trigger overrides).</summary>
    internal static JsonNode? ParamValue(NodeReader reader, Node node, ParamType type, string what)
    {
        if (node is ScalarNode scalar && Expressions.TemplateString.ContainsExpression(scalar.Value))
        {
            reader.Diagnostics.Error(DiagnosticCodes.ExpressionNotAllowed, scalar.Start, $"{what} cannot use ${{{{ }}}} expressions",
                "write a literal value");
            return null;
        }

        var value = YamlScalars.ToJson(node);
        var ok = type switch
        {
            ParamType.String => value is JsonValue v && (v.GetValueKind() == System.Text.Json.JsonValueKind.String || node is ScalarNode),
            ParamType.Number => value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number,
            ParamType.Integer => Json.JsonNumbers.IsInteger(value),
            ParamType.Boolean => value is JsonValue v && v.TryGetValue<bool>(out _),
            ParamType.List => value is JsonArray,
            _ => value is JsonObject,
        };
        if (value is null && node is ScalarNode)
        {
            return null; // `default: null` / `default:` means "no default value but optional"
        }

        if (!ok)
        {
            reader.Diagnostics.Error(DiagnosticCodes.InvalidParam, node.Start,
                $"{what} must be {Article(type)}, not {YamlScalars.TypeName(value)}");
            return null;
        }

        return type == ParamType.String && value is JsonValue scalarValue ? JsonValue.Create(scalarValue.ToString()) : value;
    }

    internal static string Article(ParamType type) => type switch
    {
        ParamType.Integer => "an integer",
        ParamType.Object => "a mapping",
        ParamType.List => "a list",
        ParamType.Boolean => "a boolean",
        ParamType.Number => "a number",
        _ => "a string",
    };
}
