using System.Text.Json.Nodes;
using Pipelines.Activities;

namespace Pipelines.Definitions;

/// <summary>
/// The JSON Schema (draft 2020-12) of pipeline YAML version 1, generated from an activity catalog: every activity's
/// inputs become a typed <c>with</c>, so YAML editors complete and check inputs and the designer builds forms.
/// </summary>
/// <remarks>
/// The schema is a guide for editors, not the validator: <see cref="PipelineLoader"/> stays the authority (it also
/// checks what a schema cannot: references, cycles, cron and time zones by Quartz). Where both check a value they
/// must agree, so the patterns below mirror the loader's.
/// </remarks>
public static class PipelineSchema
{
    public const string Draft = "https://json-schema.org/draft/2020-12/schema";
    public const string Id = "https://pipelines.dev/schema/pipeline-v1.json";

    // A scalar that is exactly one expression keeps the expression's type, so it may stand in for any value.
    internal const string ExpressionPattern = @"^\s*\$\{\{[\s\S]*\}\}\s*$";

    // Only the field count: Quartz checks the rest, but six or seven fields already catches the common mistake of a
    // five-field Unix cron, which Quartz would read shifted by one field.
    internal const string CronPattern = @"^\s*\S+(\s+\S+){5,6}\s*$";

    // Param type name → JSON type of its default and enum values. A string param takes any YAML scalar, as the loader does.
    private static readonly (string Name, string[] Json)[] ParamTypes =
    [
        ("string", ["string", "number", "boolean"]),
        ("number", ["number"]),
        ("integer", ["integer"]),
        ("boolean", ["boolean"]),
        ("list", ["array"]),
        ("object", ["object"]),
    ];

    /// <summary>The whole schema; property order is fixed, so the same catalog always gives the same text.</summary>
    public static JsonObject Generate(ActivityCatalog catalog) => new()
    {
        ["$schema"] = Draft,
        ["$id"] = Id,
        ["title"] = "Pipeline (pipelines/v1)",
        ["description"] = "A declarative pipeline: typed params, triggers (schedules, monitors) and a graph of steps, each running one activity.",
        ["type"] = "object",
        ["required"] = Strings("apiVersion", "kind", "metadata", "steps"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["description"] = "Version of this file format.", ["const"] = PipelineLoader.ApiVersion },
            ["kind"] = new JsonObject { ["description"] = "What this file describes.", ["const"] = PipelineLoader.Kind },
            ["metadata"] = Metadata(),
            ["params"] = Map("Typed inputs of a run, by name (read as params.NAME); a run may override their defaults.",
                FormatPatterns.ParamName, Ref("param")),
            ["triggers"] = new JsonObject
            {
                ["description"] = "What starts runs without a person: cron schedules and monitors of served models.",
                ["type"] = "array",
                ["items"] = Ref("trigger"),
            },
            ["defaults"] = Closed("Settings applied to every step that does not set them itself.", new JsonObject(Settings())),
            ["steps"] = Map("The steps, by id (read as steps.ID). Order is display order only: needs and expressions decide what runs first.",
                FormatPatterns.StepId, Ref("step"), minProperties: 1),
        },
        ["additionalProperties"] = false,
        ["$defs"] = new JsonObject
        {
            ["expression"] = Text("A ${{ }} expression (JavaScript over params, steps, matrix, run and secrets) whose value keeps its type. " +
                                  "Wherever text is accepted, ${{ }} may also appear inside it to interpolate.", ExpressionPattern),
            ["duration"] = Examples(Text("A duration: numbers with units ms, s, m, h, d, e.g. 30s, 5m, 1h30m.", FormatPatterns.Duration), "30s", "5m", "1h30m"),
            ["retry"] = Retry(),
            ["resources"] = Resources(),
            ["param"] = Param(),
            ["trigger"] = Trigger(),
            ["step"] = Step(catalog),
        },
    };

    private static JsonObject Metadata() => Closed("Identity of the pipeline.", new JsonObject
        {
            ["name"] = Text("Name of the pipeline: 1 to 63 lower-case letters, digits and '-', e.g. email-subjects. Versions are published under it.",
                FormatPatterns.PipelineName),
            ["description"] = Text("What the pipeline is for."),
            ["labels"] = Map("Free-form labels for finding pipelines, e.g. team: ml-platform.", FormatPatterns.LabelKey, Text("The label's value.")),
        }, required: ["name"]);

    private static JsonObject Param()
    {
        var param = Closed("A typed input of a run. Without a default, every run must supply it.", new JsonObject
        {
            ["type"] = new JsonObject
            {
                ["description"] = "Type of the value.",
                ["enum"] = Strings(ParamTypes.Select(t => t.Name)),
            },
            ["default"] = new JsonObject { ["description"] = "Value when a run does not give one; null makes the param optional without a value." },
            ["description"] = Text("What the param means; shown when starting a run."),
            ["enum"] = new JsonObject
            {
                ["description"] = "The only values allowed.",
                ["type"] = "array",
                ["minItems"] = 1,
            },
        }, required: ["type"]);

        // One branch per type so a default or enum value of the wrong type is flagged where it is written.
        param["allOf"] = Array(ParamTypes.Select(t => new JsonObject
        {
            ["if"] = Discriminator("type", t.Name),
            ["then"] = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["default"] = new JsonObject { ["type"] = Strings([.. t.Json, "null"]) },
                    ["enum"] = new JsonObject { ["items"] = new JsonObject { ["type"] = t.Json is [var one] ? one : Strings(t.Json) } },
                },
            },
        }));
        return param;
    }

    private static JsonObject Trigger()
    {
        var trigger = Closed("A schedule, or a monitor of a served model, that starts runs of the latest published version unless it pins one.", new JsonObject
        {
            ["schedule"] = Examples(Text("Quartz cron, seconds first: seconds minutes hours day-of-month month day-of-week [year], " +
                                         "with '?' in one day field.", CronPattern), "0 0 3 ? * SUN", "0 */15 * * * ?"),
            ["monitor"] = Monitor(),
            ["timezone"] = Examples(Text("IANA time zone the schedule is read in; UTC when left out."), "UTC", "Europe/Paris", "America/New_York"),
            ["params"] = Map("Values for the pipeline's params in runs this trigger starts: literals, and for a monitor also ${{ }} expressions " +
                             "over the window's facts (drift, quality, window, model).", FormatPatterns.ParamName, new JsonObject()),
            ["version"] = new JsonObject
            {
                ["description"] = "Pin a published version instead of following the latest.",
                ["type"] = "integer",
                ["minimum"] = 1,
            },
            ["concurrency"] = new JsonObject
            {
                ["description"] = "forbid (default): no new run while this trigger's previous run is still going; allow: start anyway.",
                ["enum"] = new JsonArray("forbid", "allow"),
            },
        });
        trigger["oneOf"] = new JsonArray(new JsonObject { ["required"] = Strings("schedule") }, new JsonObject { ["required"] = Strings("monitor") });
        return trigger;
    }

    private static JsonObject Monitor() => Closed("Watches a served model: every `every`, the facts of its last `window` are measured and a run starts " +
                                                   "when `when` is true, at most once per `cooldown`.", new JsonObject
        {
            ["model"] = Examples(Text("The served registry reference it watches: NAME@ALIAS or NAME/VERSION.", FormatPatterns.RegistryTarget),
                "email-subjects@production"),
            ["when"] = Examples(Text("One ${{ }} expression over drift, quality, window and model that is true when a run should start.", ExpressionPattern),
                "${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}"),
            ["window"] = Ref("duration", "The stretch of traffic measured, up to now (default 1h)."),
            ["every"] = Ref("duration", "How often the window is measured (default 5m)."),
            ["cooldown"] = Ref("duration", "The least time between two runs it starts (default 1d)."),
            ["min_requests"] = new JsonObject
            {
                ["description"] = "The fewest requests a window must hold to be judged (default 100).",
                ["type"] = "integer",
                ["minimum"] = 1,
                ["maximum"] = 1_000_000,
            },
        }, required: ["model", "when"]);

    private static JsonObject Retry() => Closed("Retries after a failed attempt, with exponential backoff: attempt n waits backoff * factor^(n-1).",
        new JsonObject
        {
            ["max"] = Bounded("How many times to retry; 0 never retries.", "integer", 0, 100),
            ["backoff"] = Ref("duration", "Wait before the first retry, at most 1d; 0s retries at once."),
            ["factor"] = Bounded("Multiplies the wait after each retry; 1 keeps it constant.", "number", 1, 10),
        });

    private static JsonObject Resources()
    {
        var cpu = new JsonObject { ["description"] = "CPU cores (fractions allowed).", ["type"] = "number", ["exclusiveMinimum"] = 0, ["maximum"] = 1024 };
        return Closed("Where a step may run. A single host without the named pool runs the step locally.", new JsonObject
        {
            ["gpu"] = Bounded("GPUs the step needs.", "integer", 0, 16),
            ["cpu"] = cpu,
            ["memory"] = Examples(Text("Memory the step needs, in binary units.", FormatPatterns.Memory), "512Mi", "16Gi"),
            ["pool"] = Text("Name of the worker pool to run on, e.g. gpu.", FormatPatterns.PoolName),
        });
    }

    /// <summary>The settings a step shares with <c>defaults</c>, fresh nodes on each call (a node has one parent).</summary>
    private static IEnumerable<KeyValuePair<string, JsonNode?>> Settings()
    {
        yield return new("retry", Ref("retry", "Retries after a failure."));
        yield return new("timeout", Ref("duration", "How long one attempt may run before it fails: more than 0s, at most 30d."));
        yield return new("resources", Ref("resources", "Where the step may run: GPUs, CPUs, memory, worker pool."));
        yield return new("cache", new JsonObject
        {
            ["description"] = "Reuse the outputs of an earlier execution with the same activity, inputs and input artifacts. " +
                              "Default: true for deterministic activities.",
            ["type"] = "boolean",
        });
    }

    private static JsonObject Step(ActivityCatalog catalog)
    {
        var properties = new JsonObject
        {
            ["uses"] = new JsonObject
            {
                ["description"] = "The activity to run and its major version, TYPE@VERSION.",
                ["type"] = "string",
                ["enum"] = Strings(catalog.All.Select(d => d.Uses)),
            },
            ["name"] = Text("Display name in the designer and run views; the step id when left out."),
            ["description"] = Text("What the step is for."),
            ["needs"] = new JsonObject
            {
                ["description"] = "Steps that must finish first, besides those the step's expressions read.",
                ["anyOf"] = new JsonArray(
                    Text("A step id.", FormatPatterns.StepId),
                    new JsonObject { ["type"] = "array", ["items"] = Text("A step id.", FormatPatterns.StepId) }),
            },
            ["when"] = new JsonObject
            {
                ["description"] = "Run the step only when true; when false it is skipped, not failed.",
                ["anyOf"] = OrExpression(new JsonObject { ["type"] = "boolean" }),
            },
            ["with"] = new JsonObject
            {
                ["description"] = "Inputs of the activity: literals or ${{ }} expressions.",
                ["type"] = "object",
            },
            ["matrix"] = new JsonObject
            {
                ["description"] = "Fan-out: one execution per combination of the values, each read as matrix.NAME.",
                ["type"] = "object",
                ["minProperties"] = 1,
                ["propertyNames"] = new JsonObject { ["pattern"] = FormatPatterns.MatrixKey },
                ["additionalProperties"] = new JsonObject
                {
                    ["anyOf"] = OrExpression(new JsonObject { ["type"] = "array", ["minItems"] = 1 }),
                },
            },
            ["select"] = Select(),
        };
        foreach (var setting in Settings())
        {
            properties.Add(setting);
        }

        var step = Closed("One step: an activity, its inputs, and when and where it runs.", properties, required: ["uses"]);
        // Without a matrix there is one execution, so there is nothing to select from.
        step["dependentRequired"] = new JsonObject { ["select"] = Strings("matrix") };
        if (catalog.All.Count > 0)
        {
            step["allOf"] = Array(catalog.All.Select(ActivityInputs));
        }

        return step;
    }

    private static JsonObject Select() => new()
    {
        ["description"] = "For a matrix step: which combination becomes outputs.best (outputs.all lists every one). Exactly one goal.",
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["minimize"] = Ref("expression", "Pick the combination where this expression over item (its outputs) is least."),
            ["maximize"] = Ref("expression", "Pick the combination where this expression over item (its outputs) is greatest."),
        },
        ["minProperties"] = 1,
        ["maxProperties"] = 1,
        ["additionalProperties"] = false,
    };

    /// <summary><c>if uses is this activity then with is its inputs</c>; required inputs make <c>with</c> itself required.</summary>
    private static JsonObject ActivityInputs(ActivityDescriptor activity)
    {
        var summary = string.IsNullOrEmpty(activity.Description) ? $"Inputs of {activity.Uses}." : $"Inputs of {activity.Uses}: {activity.Description}";
        var then = new JsonObject { ["properties"] = new JsonObject { ["with"] = Ports(activity.Inputs, summary) } };
        if (activity.Inputs.Any(i => i.Required))
        {
            then["required"] = Strings("with");
        }

        return new JsonObject { ["if"] = Discriminator("uses", activity.Uses), ["then"] = then };
    }

    /// <summary>A closed object with one property per port.</summary>
    private static JsonObject Ports(IReadOnlyList<PortDescriptor> ports, string? description)
    {
        var properties = new JsonObject();
        foreach (var port in ports)
        {
            properties[port.Name] = Port(port);
        }

        var schema = Closed(description, properties, required: ports.Where(p => p.Required).Select(p => p.Name));
        if (ports.Count == 0)
        {
            // Says "empty" outright, for forms that do not read additionalProperties.
            schema["maxProperties"] = 0;
        }

        return schema;
    }

    /// <summary>
    /// An input: its literal schema or an expression. Constraints on the value (enum, range) sit in the literal branch,
    /// where an expression cannot trip them; annotations (description, default, writeOnly) sit outside.
    /// </summary>
    private static JsonObject Port(PortDescriptor port)
    {
        var literal = Literal(port.Shape);
        if (port.AllowedValues is { } allowed) literal["enum"] = Strings(allowed);
        if (port.Minimum is { } minimum) literal["minimum"] = minimum;
        if (port.Maximum is { } maximum) literal["maximum"] = maximum;

        var schema = new JsonObject();
        if (!string.IsNullOrEmpty(port.Description)) schema["description"] = port.Description;
        schema["anyOf"] = OrExpression(literal);
        if (port.Default is not null) schema["default"] = port.Default.DeepClone();
        if (port.Sensitive) schema["writeOnly"] = true;
        return schema;
    }

    /// <summary>A nested value: any scalar inside an input may be an expression too.</summary>
    private static JsonObject Value(ValueShape shape) => new() { ["anyOf"] = OrExpression(Literal(shape)) };

    private static JsonArray OrExpression(JsonObject literal) => new(literal, Ref("expression"));

    private static JsonObject Literal(ValueShape shape) => shape switch
    {
        { Kind: ValueKind.String, Format: "duration" } => Ref("duration"),
        { Kind: ValueKind.String } => new JsonObject { ["type"] = "string" },
        { Kind: ValueKind.Number } => new JsonObject { ["type"] = "number" },
        { Kind: ValueKind.Integer } => new JsonObject { ["type"] = "integer" },
        { Kind: ValueKind.Boolean } => new JsonObject { ["type"] = "boolean" },
        { Kind: ValueKind.List, Items: { } items } => new JsonObject { ["type"] = "array", ["items"] = Value(items) },
        { Kind: ValueKind.List } => new JsonObject { ["type"] = "array" },
        { Kind: ValueKind.Object, Properties: { } fields } => Ports(fields, description: null),
        { Kind: ValueKind.Object, Items: { } values } => new JsonObject { ["type"] = "object", ["additionalProperties"] = Value(values) },
        { Kind: ValueKind.Object } => new JsonObject { ["type"] = "object" },
        _ => new JsonObject(),
    };

    /// <summary>An object that accepts only its listed properties.</summary>
    /// <remarks>
    /// additionalProperties even where an allOf adds if/then branches: those branches only narrow properties listed
    /// here, so it means the same as unevaluatedProperties, and the YAML language server (draft-7 semantics) honours
    /// it where it ignores unevaluatedProperties.
    /// </remarks>
    private static JsonObject Closed(string? description, JsonObject properties, IEnumerable<string>? required = null)
    {
        var schema = new JsonObject();
        if (description is not null) schema["description"] = description;
        schema["type"] = "object";
        if (required?.ToList() is { Count: > 0 } names) schema["required"] = Strings(names);
        schema["properties"] = properties;
        schema["additionalProperties"] = false;
        return schema;
    }

    /// <summary>An object used as a dictionary: keys matching <paramref name="keyPattern"/>, values of one schema.</summary>
    private static JsonObject Map(string description, string keyPattern, JsonObject values, int? minProperties = null)
    {
        var schema = new JsonObject
        {
            ["description"] = description,
            ["type"] = "object",
            ["propertyNames"] = new JsonObject { ["pattern"] = keyPattern },
            ["additionalProperties"] = values,
        };
        if (minProperties is { } min) schema["minProperties"] = min;
        return schema;
    }

    /// <summary>The <c>if</c> that picks a branch by the value of one property.</summary>
    private static JsonObject Discriminator(string property, string value) => new()
    {
        ["properties"] = new JsonObject { [property] = new JsonObject { ["const"] = value } },
        ["required"] = Strings(property),
    };

    private static JsonObject Text(string description, string? pattern = null)
    {
        var schema = new JsonObject { ["description"] = description, ["type"] = "string" };
        if (pattern is not null) schema["pattern"] = pattern;
        return schema;
    }

    private static JsonObject Bounded(string description, string type, double minimum, double maximum) => new()
    {
        ["description"] = description,
        ["type"] = type,
        ["minimum"] = minimum,
        ["maximum"] = maximum,
    };

    private static JsonObject Examples(JsonObject schema, params string[] examples)
    {
        schema["examples"] = Strings(examples);
        return schema;
    }

    private static JsonObject Ref(string definition, string? description = null)
    {
        var schema = new JsonObject { ["$ref"] = $"#/$defs/{definition}" };
        if (description is not null) schema["description"] = description;
        return schema;
    }

    private static JsonArray Strings(params IEnumerable<string> values) => Array(values.Select(v => JsonValue.Create(v)));

    private static JsonArray Array(IEnumerable<JsonNode?> nodes) => new(nodes.ToArray());
}
