using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Activities;
using Pipelines.Diagnostics;
using Pipelines.Expressions;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>Reads the <c>steps:</c> mapping: each step's activity, inputs, edges, condition, matrix and policies.</summary>
internal sealed partial class StepReader(NodeReader reader, ActivityCatalog catalog, IReadOnlyDictionary<string, ParamDefinition> parameters, StepDefaults defaults)
{
    internal static readonly string[] StepKeys = ["uses", "name", "description", "with", "needs", "when", "matrix", "select", "resources", "cache", "timeout", "retry"];
    internal static readonly string[] SelectKeys = ["minimize", "maximize"];

    /// <summary>Fan-out beyond this is almost always a typo in a matrix, and would flood the queue.</summary>
    public const int MaxMatrixCombinations = 256;

    private readonly List<ExpressionSite> _sites = [];

    private DiagnosticBag Diagnostics => reader.Diagnostics;

    [GeneratedRegex(FormatPatterns.StepId)]
    internal static partial Regex StepId();

    [GeneratedRegex(@"^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)(?:@(.*))?$")]
    private static partial Regex Uses();

    [GeneratedRegex(FormatPatterns.MatrixKey)]
    private static partial Regex MatrixKey();

    private sealed record PendingStep(StepDefinition Step, MappingEntry Entry, ActivityDescriptor? Activity, MappingNode? Body, IReadOnlyList<(string Id, ScalarNode Node)> NeedNodes);

    public List<StepDefinition> ReadAll(MappingNode document, Node? node)
    {
        if (reader.Mapping(node, "steps") is not { } mapping)
        {
            return [];
        }

        if (mapping.Entries.Count == 0)
        {
            Diagnostics.Error(DiagnosticCodes.MissingField, mapping.Start, "the pipeline has no steps", "add at least one step under `steps:`");
            return [];
        }

        var pending = mapping.Entries.Select(ReadStep).ToList();
        var byId = pending.ToDictionary(p => p.Step.Id, StringComparer.Ordinal);
        var stepIds = new NearestName(byId.Keys);
        var edges = new Dictionary<string, List<(string To, SourceLocation At)>>(StringComparer.Ordinal);
        foreach (var p in pending)
        {
            var list = edges[p.Step.Id] = [];
            foreach (var (id, need) in p.NeedNodes)
            {
                if (byId.ContainsKey(id)) list.Add((id, need.Start));
                else Diagnostics.Error(DiagnosticCodes.UnknownStep, need.Start, $"step {DiagnosticText.Quote(p.Step.Id)} needs unknown step {DiagnosticText.Quote(id)}",
                    () => stepIds.Hint(id) ?? $"steps are: {DiagnosticText.List(byId.Keys)}");
            }
        }

        var checker = new ReferenceChecker(Diagnostics, parameters, byId.ToDictionary(kv => kv.Key, kv => (kv.Value.Step, kv.Value.Activity), StringComparer.Ordinal), stepIds);
        foreach (var site in _sites)
        {
            foreach (var (upstream, at) in checker.Check(site))
            {
                edges[site.StepId].Add((upstream, at));
            }
        }

        CycleFinder.Report(Diagnostics, pending.Select(p => p.Step.Id).ToList(), edges);

        var steps = pending.Select(p => p.Step with
        {
            Upstream = edges[p.Step.Id].Select(e => e.To).Distinct(StringComparer.Ordinal).Where(id => id != p.Step.Id).ToList(),
        }).ToList();
        var downstream = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var step in steps) downstream.TryAdd(step.Id, []); // a repeated id is already reported
        foreach (var step in steps)
        {
            foreach (var upstream in step.Upstream)
            {
                if (downstream.TryGetValue(upstream, out var list)) list.Add(step.Id);
            }
        }

        return steps.Select(s => s with { Downstream = downstream[s.Id] }).ToList();
    }

    private PendingStep ReadStep(MappingEntry entry)
    {
        var id = entry.Key.Value;
        if (!StepId().IsMatch(id))
        {
            Diagnostics.Error(DiagnosticCodes.InvalidName, entry.Key.Start, $"invalid step id {DiagnosticText.Quote(id)}",
                "use lower-case letters, digits and '_', starting with a letter (at most 63), e.g. train_lora");
        }

        var body = reader.Mapping(entry.Value, $"step {DiagnosticText.Quote(id)}", StepKeys);
        if (body is null)
        {
            if (entry.Value is ScalarNode s && YamlScalars.IsNull(s))
            {
                Diagnostics.Error(DiagnosticCodes.MissingField, entry.Key.Start, $"step {DiagnosticText.Quote(id)} is empty", "add `uses:` with an activity, e.g. `uses: core.echo@1`");
            }

            return new PendingStep(Empty(id, entry.Key.Start), entry, null, null, []);
        }

        reader.Require(body, "uses", $"step {DiagnosticText.Quote(id)}", "add `uses:` with an activity, e.g. `uses: core.echo@1`");
        var (activity, type, version) = ReadUses(body["uses"], id);
        var matrix = ReadMatrix(body["matrix"], id);
        var builder = new TemplateBuilder(Diagnostics, _sites);
        var typing = new InputTyping(Diagnostics, parameters, matrix);
        var with = ReadWith(body, id, activity, builder, typing);
        var when = ReadWhen(body["when"], id, builder);
        var select = ReadSelect(body["select"], id, matrix is not null, builder);
        var needs = ReadNeeds(body["needs"], id);
        var timeoutNode = body["timeout"];
        var step = new StepDefinition(
            id,
            activity?.Uses ?? $"{type}@{version}",
            type,
            version,
            reader.String(body["name"], "step name"),
            reader.String(body["description"], "step description"),
            with,
            needs.Select(n => n.Id).ToList(),
            when,
            matrix,
            select,
            StepDefaults.ReadResources(reader, body["resources"], defaults.Resources),
            reader.Boolean(body["cache"], "cache") ?? defaults.Cache,
            timeoutNode is null ? defaults.Timeout : StepDefaults.ReadTimeout(reader, timeoutNode),
            StepDefaults.ReadRetry(reader, body["retry"], defaults.Retry),
            entry.Key.Start);
        return new PendingStep(step, entry, activity, body, needs);
    }

    private static StepDefinition Empty(string id, SourceLocation at) =>
        new(id, "", "", 0, null, null, [], [], null, null, null, ResourceRequest.None, true, null, RetryPolicy.None, at);

    private (ActivityDescriptor? Activity, string Type, int Version) ReadUses(Node? node, string stepId)
    {
        if (reader.Scalar(node, "uses") is not { } uses) return (null, "", 0);
        var match = Uses().Match(uses.Value);
        if (!match.Success)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidUses, uses.Start, $"{DiagnosticText.Quote(uses.Value)} is not an activity reference",
                "write TYPE@VERSION, e.g. `uses: core.echo@1`; `pipelines activities` lists them");
            return (null, uses.Value, 0);
        }

        var type = match.Groups[1].Value;
        var versions = catalog.VersionsOf(type);
        if (versions.Count == 0)
        {
            Diagnostics.Error(DiagnosticCodes.UnknownActivity, uses.Start, $"unknown activity {DiagnosticText.Quote(type)} in step {DiagnosticText.Quote(stepId)}",
                NearestName.Hint(type, catalog.Types) ?? "`pipelines activities` lists the activities");
            return (null, type, 0);
        }

        if (!match.Groups[2].Success || !int.TryParse(match.Groups[2].Value, out var version))
        {
            Diagnostics.Error(DiagnosticCodes.InvalidUses, uses.Start, $"{DiagnosticText.Quote(uses.Value)} has no major version",
                $"write `{type}@{versions[^1]}`");
            return (null, type, 0);
        }

        var activity = catalog.Find(type, version);
        if (activity is null)
        {
            Diagnostics.Error(DiagnosticCodes.UnknownActivityVersion, uses.Start, $"activity {DiagnosticText.Quote(type)} has no version {version}",
                $"available: {string.Join(", ", versions.Select(v => $"{type}@{v}"))}");
        }

        return (activity, type, version);
    }

    private List<KeyValuePair<string, ValueTemplate>> ReadWith(MappingNode body, string stepId, ActivityDescriptor? activity, TemplateBuilder builder, InputTyping typing)
    {
        var result = new List<KeyValuePair<string, ValueTemplate>>();
        var withNode = reader.Mapping(body["with"], $"the inputs (with) of step {DiagnosticText.Quote(stepId)}");
        foreach (var entry in withNode?.Entries ?? [])
        {
            var template = builder.Build(entry.Value, stepId, SiteKind.Input);
            var port = activity?.Input(entry.Key.Value);
            if (activity is not null && port is null)
            {
                Diagnostics.Error(DiagnosticCodes.UnknownInput, entry.Key.Start, $"activity {activity.Uses} has no input {DiagnosticText.Quote(entry.Key.Value)}",
                    NearestName.Hint(entry.Key.Value, activity.Inputs.Select(i => i.Name))
                    ?? (activity.Inputs.Count == 0 ? "it takes no inputs" : $"its inputs are: {string.Join(", ", activity.Inputs.Select(i => i.Name))}"));
            }

            if (port is not null)
            {
                template = typing.Check(template, port.Shape, port, entry.Value, $"input {DiagnosticText.Quote(port.Name)} of step {DiagnosticText.Quote(stepId)}");
            }

            result.Add(KeyValuePair.Create(entry.Key.Value, template));
        }

        if (activity is not null)
        {
            // A misspelt input is reported once, as unknown with its "did you mean"; not a second time as missing.
            // Only a key that names no input can be a misspelling; most steps have none, and a lookup is not free.
            var misspelt = withNode?.Entries.Where(e => activity.Input(e.Key.Value) is null)
                .Select(e => NearestName.Find(e.Key.Value, activity.Inputs.Select(i => i.Name)))
                .Where(n => n is not null).ToHashSet() ?? [];
            foreach (var missing in activity.Inputs.Where(i => i.Required && !misspelt.Contains(i.Name)
                                                               && !result.Any(r => r.Key == i.Name && !(r.Value is LiteralValue { Value: null }))))
            {
                var at = body.Entry("with")?.Key.Start ?? body.Entry("uses")?.Key.Start ?? body.Start;
                Diagnostics.Error(DiagnosticCodes.MissingInput, at, $"step {DiagnosticText.Quote(stepId)} is missing required input {DiagnosticText.Quote(missing.Name)} of {activity.Uses}",
                    $"add `{missing.Name}:` ({missing.Shape.DisplayName}){(missing.Description.Length > 0 ? ": " + missing.Description : "")}");
            }
        }

        return result;
    }

    private ValueTemplate? ReadWhen(Node? node, string stepId, TemplateBuilder builder)
    {
        if (node is null) return null;
        if (node is ScalarNode scalar)
        {
            var template = builder.Scalar(scalar, stepId, SiteKind.When);
            if (template is TemplateValue { Template.IsSingleExpression: true }) return template;
            if (template is LiteralValue { Value: JsonValue v } && v.TryGetValue<bool>(out _)) return template;
        }

        Diagnostics.Error(DiagnosticCodes.InvalidValue, node.Start, $"`when` of step {DiagnosticText.Quote(stepId)} must be true, false or one ${{{{ }}}} expression",
            "e.g. `when: ${{ steps.gate.outputs.passed }}`");
        return null;
    }

    private List<KeyValuePair<string, ValueTemplate>>? ReadMatrix(Node? node, string stepId)
    {
        if (reader.Mapping(node, $"the matrix of step {DiagnosticText.Quote(stepId)}") is not { } mapping) return null;
        if (mapping.Entries.Count == 0)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidMatrix, mapping.Start, $"the matrix of step {DiagnosticText.Quote(stepId)} is empty", "list at least one key with values, e.g. `lr: [1e-4, 3e-4]`");
            return null;
        }

        var builder = new TemplateBuilder(Diagnostics, _sites);
        var axes = new List<KeyValuePair<string, ValueTemplate>>();
        long combinations = 1;
        foreach (var entry in mapping.Entries)
        {
            if (!MatrixKey().IsMatch(entry.Key.Value))
            {
                Diagnostics.Error(DiagnosticCodes.InvalidName, entry.Key.Start, $"invalid matrix key {DiagnosticText.Quote(entry.Key.Value)}",
                    "use letters, digits and '_' (it is read as matrix.KEY)");
            }

            switch (entry.Value)
            {
                case SequenceNode { Items.Count: 0 }:
                    Diagnostics.Error(DiagnosticCodes.InvalidMatrix, entry.Value.Start, $"matrix key {DiagnosticText.Quote(entry.Key.Value)} has no values", "list one value or more");
                    break;
                case SequenceNode sequence:
                    combinations *= sequence.Items.Count;
                    axes.Add(KeyValuePair.Create(entry.Key.Value, builder.Build(sequence, stepId, SiteKind.Matrix)));
                    break;
                case ScalarNode scalar when TemplateString.Parse(scalar.Value, out _).IsSingleExpression:
                    axes.Add(KeyValuePair.Create(entry.Key.Value, builder.Scalar(scalar, stepId, SiteKind.Matrix)));
                    break;
                default:
                    Diagnostics.Error(DiagnosticCodes.InvalidMatrix, entry.Value.Start,
                        $"matrix key {DiagnosticText.Quote(entry.Key.Value)} must be a list of values or one ${{{{ }}}} expression that gives a list",
                        $"e.g. `{entry.Key.Value}: [1, 2, 4]`");
                    break;
            }
        }

        if (combinations > MaxMatrixCombinations)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidMatrix, mapping.Start,
                $"the matrix of step {DiagnosticText.Quote(stepId)} has {combinations:N0} combinations; the limit is {MaxMatrixCombinations}", "sweep fewer values");
        }

        return axes;
    }

    private SelectRule? ReadSelect(Node? node, string stepId, bool hasMatrix, TemplateBuilder builder)
    {
        if (reader.Mapping(node, $"the select of step {DiagnosticText.Quote(stepId)}", SelectKeys) is not { } mapping) return null;
        if (!hasMatrix)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidMatrix, mapping.Start, $"step {DiagnosticText.Quote(stepId)} has `select` but no `matrix`",
                "select picks the best of a matrix's executions; add a `matrix:` or remove `select:`");
        }

        var goals = mapping.Entries.Where(e => SelectKeys.Contains(e.Key.Value)).ToList();
        if (goals.Count != 1)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidValue, mapping.Start, $"the select of step {DiagnosticText.Quote(stepId)} needs exactly one of minimize or maximize",
                "e.g. `select: { minimize: \"${{ item.metrics.val_loss }}\" }`");
            return null;
        }

        var goal = goals[0];
        if (goal.Value is ScalarNode scalar && builder.Scalar(scalar, stepId, SiteKind.Select) is TemplateValue { Template.IsSingleExpression: true } template)
        {
            return new SelectRule(goal.Key.Value == "minimize" ? SelectGoal.Minimize : SelectGoal.Maximize, template);
        }

        Diagnostics.Error(DiagnosticCodes.InvalidValue, goal.Value.Start, $"{goal.Key.Value} must be one ${{{{ }}}} expression over `item`",
            "e.g. `minimize: ${{ item.metrics.val_loss }}`");
        return null;
    }

    private List<(string Id, ScalarNode Node)> ReadNeeds(Node? node, string stepId)
    {
        var needs = new List<(string, ScalarNode)>();
        IEnumerable<Node> items = node switch
        {
            null => [],
            ScalarNode s when YamlScalars.IsNull(s) => [],
            SequenceNode sequence => sequence.Items,
            _ => [node],
        };
        foreach (var item in items)
        {
            if (reader.Scalar(item, $"needs of step {DiagnosticText.Quote(stepId)}") is { } scalar)
            {
                needs.Add((scalar.Value, scalar));
            }
        }

        return needs;
    }
}
