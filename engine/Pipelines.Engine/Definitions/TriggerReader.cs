using System.Text.Json.Nodes;
using Pipelines.Diagnostics;
using Pipelines.Expressions;
using Pipelines.Monitoring;
using Pipelines.Registry;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>
/// Reads <c>triggers:</c>: each item a cron <c>schedule</c> or a <c>monitor</c> of a served model, with the params its
/// runs get. A monitor's <c>when</c> and its params' expressions may read only the window's facts
/// (<see cref="MonitorFacts"/>), and every name they read is checked here.
/// </summary>
internal sealed class TriggerReader(NodeReader reader, IReadOnlyDictionary<string, ParamDefinition> parameters)
{
    internal static readonly string[] TriggerKeys = ["schedule", "monitor", "timezone", "params", "version", "concurrency"];
    internal static readonly string[] MonitorKeys = ["model", "when", "window", "every", "cooldown", "min_requests"];
    internal static readonly string[] ConcurrencyValues = ["forbid", "allow"];

    /// <summary>The longest window and cooldown a monitor may name: a window is read from the request log at every check.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);

    private const string ScheduleExample = "`- schedule: \"0 0 3 ? * SUN\"`";
    private const string MonitorExample = "`- monitor: { model: email-subjects@production, when: \"${{ drift.prompt_length.psi > 0.25 }}\" }`";

    private DiagnosticBag Diagnostics => reader.Diagnostics;

    public List<TriggerDefinition> ReadAll(Node? node)
    {
        var triggers = new List<TriggerDefinition>();
        if (node is null || node is ScalarNode s && YamlScalars.IsNull(s)) return triggers;
        if (node is not SequenceNode sequence)
        {
            Diagnostics.Error(DiagnosticCodes.WrongNodeType, node.Start, $"triggers must be a list, not {node.KindName}",
                $"write `triggers:` followed by {ScheduleExample} or {MonitorExample} items");
            return triggers;
        }

        foreach (var item in sequence.Items)
        {
            if (reader.Mapping(item, "a trigger", TriggerKeys) is { } trigger && Read(trigger) is { } read) triggers.Add(read);
        }

        return triggers;
    }

    private TriggerDefinition? Read(MappingNode trigger)
    {
        var monitorNode = trigger["monitor"];
        switch (trigger["schedule"], monitorNode)
        {
            case (null, null):
                Diagnostics.Error(DiagnosticCodes.MissingField, trigger.Start, "the trigger has neither `schedule:` nor `monitor:`",
                    $"add a Quartz cron ({ScheduleExample}) or a monitor of a served model ({MonitorExample})");
                return null;
            case ({ } both, not null):
                Diagnostics.Error(DiagnosticCodes.InvalidValue, both.Start, "a trigger is a schedule or a monitor, not both",
                    "write them as two items of `triggers:`");
                return null;
        }

        var schedule = reader.Scalar(trigger["schedule"], "schedule");
        if (schedule is not null && CronSchedule.Validate(schedule.Value) is { } cronError)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidCron, schedule.Start, $"invalid cron expression {DiagnosticText.Quote(schedule.Value)}: {cronError}",
                CronSchedule.Help);
        }

        var timezone = reader.Scalar(trigger["timezone"], "timezone");
        if (timezone is not null && monitorNode is not null)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidValue, timezone.Start, "timezone applies to schedules only", "remove it: a monitor checks on its `every`");
        }
        else if (timezone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timezone.Value, out _))
        {
            Diagnostics.Error(DiagnosticCodes.InvalidTimeZone, timezone.Start, $"unknown time zone {DiagnosticText.Quote(timezone.Value)}",
                "use an IANA name such as UTC, Europe/Paris or America/New_York");
        }

        var sites = new List<ExpressionSite>();
        var templates = monitorNode is null ? null : new TemplateBuilder(Diagnostics, sites);
        var (literals, expressions) = ReadParams(trigger["params"], templates);
        var monitor = templates is null ? null : ReadMonitor(monitorNode!, expressions, templates);

        var version = reader.Integer(trigger["version"], "trigger version");
        if (version is < 1 or > int.MaxValue)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidValue, trigger["version"]!.Start, $"trigger version must be from 1 to {int.MaxValue}",
                "leave it out to follow the latest published version");
            version = null;
        }

        var concurrency = reader.Scalar(trigger["concurrency"], "trigger concurrency");
        if (concurrency is not null && !ConcurrencyValues.Contains(concurrency.Value))
        {
            Diagnostics.Error(DiagnosticCodes.InvalidValue, concurrency.Start, $"trigger concurrency must be forbid or allow, not {DiagnosticText.Quote(concurrency.Value)}",
                NearestName.Hint(concurrency.Value, ConcurrencyValues) ?? "forbid (the default) skips a firing while the previous run is going; allow starts it anyway");
        }

        foreach (var site in sites) CheckFacts(site);
        return new TriggerDefinition(schedule?.Value, timezone?.Value, literals, (int?)version, concurrency?.Value == "allow", trigger.Start) { Monitor = monitor };
    }

    /// <summary>
    /// The trigger's param values: literals for every trigger; for a monitor (<paramref name="templates"/> given), values
    /// with <c>${{ }}</c> become expressions over the window's facts, rendered when it fires.
    /// </summary>
    private (JsonObject Literals, List<KeyValuePair<string, TemplateValue>> Expressions) ReadParams(Node? node, TemplateBuilder? templates)
    {
        var literals = new JsonObject();
        var expressions = new List<KeyValuePair<string, TemplateValue>>();
        if (reader.Mapping(node, "trigger params") is not { } paramsNode) return (literals, expressions);
        foreach (var entry in paramsNode.Entries)
        {
            if (!parameters.TryGetValue(entry.Key.Value, out var param))
            {
                Diagnostics.Error(DiagnosticCodes.UnknownParam, entry.Key.Start, $"unknown param {DiagnosticText.Quote(entry.Key.Value)} in trigger",
                    () => NearestName.Hint(entry.Key.Value, parameters.Keys) ?? "declare it under `params:` first");
                continue;
            }

            if (templates is not null && entry.Value is ScalarNode scalar && TemplateString.ContainsExpression(scalar.Value))
            {
                if (templates.Scalar(scalar, "", SiteKind.Input) is TemplateValue template) expressions.Add(KeyValuePair.Create(param.Name, template));
                continue;
            }

            literals[entry.Key.Value] = PipelineLoader.ParamValue(reader, entry.Value, param.Type, $"trigger param {DiagnosticText.Quote(param.Name)}");
        }

        return (literals, expressions);
    }

    private MonitorDefinition? ReadMonitor(Node node, List<KeyValuePair<string, TemplateValue>> paramExpressions, TemplateBuilder templates)
    {
        if (reader.Mapping(node, "monitor", MonitorKeys) is not { } monitor) return null;
        reader.Require(monitor, "model", "the monitor", "add `model:` with the served registry alias it watches, e.g. `model: email-subjects@production`");
        reader.Require(monitor, "when", "the monitor", "add `when:` with the condition that starts a run, e.g. `when: \"${{ drift.prompt_length.psi > 0.25 }}\"`");

        var model = reader.Scalar(monitor["model"], "monitor model");
        if (model is not null)
        {
            try
            {
                RegistryReference.ParseShort(model.Value);
            }
            catch (RegistryException e)
            {
                Diagnostics.Error(DiagnosticCodes.InvalidValue, model.Start, $"monitor model {DiagnosticText.Quote(model.Value)} is not a registry reference", e.Hint);
                model = null;
            }
        }

        TemplateValue? when = null;
        switch (monitor["when"])
        {
            case ScalarNode whenNode when !YamlScalars.IsNull(whenNode):
                var template = TemplateString.ContainsExpression(whenNode.Value) ? templates.Scalar(whenNode, "", SiteKind.When) as TemplateValue : null;
                if (template is { Template.IsSingleExpression: true }) when = template;
                else Diagnostics.Error(DiagnosticCodes.InvalidValue, whenNode.Start, "monitor when must be one expression, `${{ ... }}`, that is true or false",
                    "e.g. when: \"${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}\"");
                break;
            case { } other when other is not ScalarNode:
                Diagnostics.Error(DiagnosticCodes.WrongNodeType, other.Start, $"monitor when must be a single value, not {other.KindName}",
                    "write one expression, e.g. when: \"${{ drift.status == 'drift' }}\"");
                break;
        }

        var window = Positive(monitor["window"], "monitor window", MaxWindow) ?? MonitorDefinition.DefaultWindow;
        var every = Positive(monitor["every"], "monitor every", TimeSpan.FromDays(1)) ?? MonitorDefinition.DefaultEvery;
        var cooldown = reader.Duration(monitor["cooldown"], "monitor cooldown", MaxWindow) ?? MonitorDefinition.DefaultCooldown;
        var minRequests = reader.Integer(monitor["min_requests"], "monitor min_requests");
        if (minRequests is < 1 or > 1_000_000)
        {
            Diagnostics.Error(DiagnosticCodes.InvalidValue, monitor["min_requests"]!.Start, "monitor min_requests must be from 1 to 1000000",
                $"leave it out for {MonitorDefinition.DefaultMinRequests}: fewer requests are too few to judge drift by");
            minRequests = null;
        }

        return model is null || when is null ? null
            : new MonitorDefinition(model.Value, when, window, every, cooldown, (int?)minRequests ?? MonitorDefinition.DefaultMinRequests, paramExpressions);
    }

    private TimeSpan? Positive(Node? node, string what, TimeSpan max)
    {
        var value = reader.Duration(node, what, max);
        if (value != TimeSpan.Zero) return value;
        Diagnostics.Error(DiagnosticCodes.InvalidDuration, node!.Start, $"{what} must be longer than zero", Duration.Help);
        return null;
    }

    /// <summary>Checks that a monitor expression reads only names of <see cref="MonitorFacts"/>.</summary>
    private void CheckFacts(ExpressionSite site)
    {
        foreach (var reference in site.Expression.References)
        {
            if (!MonitorFacts.Roots.Contains(reference.RootName))
            {
                if (ParsedExpression.Globals.Contains(reference.RootName)) continue;
                Unknown(site, reference.Root, $"a monitor reads the window's facts, not {DiagnosticText.Quote(reference.RootName)}", MonitorFacts.Roots,
                    $"it reads {DiagnosticText.List(MonitorFacts.Roots)} (docs/serving.md lists every fact)");
                continue;
            }

            var path = reference.RootName;
            foreach (var segment in reference.Path)
            {
                // After a value come its own members (psi.toFixed(2), status.length): JavaScript's, not the facts'.
                if (!MonitorFacts.Fields.TryGetValue(path, out var fields)) break;

                if (!fields.Contains(segment.Name))
                {
                    Unknown(site, segment, $"{path} has no field {DiagnosticText.Quote(segment.Name)}", fields, $"{path} has {DiagnosticText.List(fields)}");
                    break;
                }

                path = $"{path}.{segment.Name}";
            }
        }
    }

    private void Unknown(ExpressionSite site, PathSegment segment, string message, IEnumerable<string> candidates, string fallback) =>
        Diagnostics.Error(DiagnosticCodes.UnknownName, site.Locate(segment.Offset), message, () => NearestName.Hint(segment.Name, candidates) ?? fallback);
}
