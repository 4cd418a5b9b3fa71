using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipelines.Activities;
using Pipelines.Definitions;
using Snapshooter.Xunit;

namespace Pipelines.Engine.Tests.Definitions;

public sealed class PipelineSchemaTests
{
    // Relaxed escaping keeps quotes and '+' readable in the reviewed snapshot.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonObject BuiltInSchema() => PipelineSchema.Generate(BuiltInActivities.CreateCatalog());

    [Fact]
    public void Schema_of_the_built_in_catalog_matches_the_snapshot() =>
        Snapshot.Match(BuiltInSchema().ToJsonString(Indented));

    [Fact]
    public void Generating_twice_gives_the_same_text()
    {
        Assert.Equal(BuiltInSchema().ToJsonString(), BuiltInSchema().ToJsonString());
    }

    [Fact]
    public void Declares_draft_2020_12_and_its_own_id()
    {
        var schema = BuiltInSchema();

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
        Assert.Equal("https://pipelines.dev/schema/pipeline-v1.json", schema["$id"]!.GetValue<string>());
    }

    [Fact]
    public void Uses_offers_every_activity_of_the_catalog()
    {
        var uses = Strings(BuiltInSchema()["$defs"]!["step"]!["properties"]!["uses"]!["enum"]!);

        Assert.Contains("core.echo@1", uses);
        Assert.Equal(BuiltInActivities.CreateCatalog().All.Select(a => a.Uses), uses);
    }

    [Fact]
    public void Echo_requires_with_and_a_message_in_it()
    {
        var then = ThenFor(BuiltInSchema(), "core.echo@1");

        Assert.Equal(new[] { "with" }, Strings(then["required"]!));
        Assert.Equal(new[] { "message" }, Strings(then["properties"]!["with"]!["required"]!));
        Assert.False(then["properties"]!["with"]!["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public void Sleep_seconds_is_a_number_from_zero_to_a_day_or_an_expression()
    {
        var seconds = ThenFor(BuiltInSchema(), "core.sleep@1")["properties"]!["with"]!["properties"]!["seconds"]!;
        var literal = seconds["anyOf"]![0]!;

        Assert.Equal("number", literal["type"]!.GetValue<string>());
        Assert.Equal(0, literal["minimum"]!.GetValue<double>());
        Assert.Equal(86_400, literal["maximum"]!.GetValue<double>());
        Assert.Equal("#/$defs/expression", seconds["anyOf"]![1]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void An_activity_without_inputs_takes_an_empty_or_absent_with()
    {
        var then = ThenFor(BuiltInSchema(), "core.noop@1");

        Assert.Null(then["required"]);
        Assert.Equal(0, then["properties"]!["with"]!["maxProperties"]!.GetValue<int>());
    }

    [Fact]
    public void Optional_inputs_carry_their_default()
    {
        var message = ThenFor(BuiltInSchema(), "core.fail@1")["properties"]!["with"]!["properties"]!["message"]!;

        Assert.Equal("failed on purpose (core.fail)", message["default"]!.GetValue<string>());
    }

    [Fact]
    public void Input_shapes_become_typed_schemas_whose_scalars_may_be_expressions()
    {
        ValueShape Shape(ValueKind kind, ValueShape? items = null) => new(kind, items);
        PortDescriptor Port(string name, ValueShape shape, bool required = false, JsonNode? @default = null, bool sensitive = false,
            IReadOnlyList<string>? allowed = null) => new(name, shape, $"The {name}.", required, @default, null, null, sensitive, allowed);
        var activity = new ActivityDescriptor("test.shapes", 2, "Test", "Takes one input of each shape.", true,
        [
            Port("mode", Shape(ValueKind.String), @default: "fast", allowed: ["fast", "slow"]),
            Port("api_key", Shape(ValueKind.String), sensitive: true),
            Port("wait", new ValueShape(ValueKind.String, Format: "duration")),
            Port("tags", Shape(ValueKind.List, Shape(ValueKind.String))),
            Port("weights", Shape(ValueKind.Object, Shape(ValueKind.Number))),
            Port("config", new ValueShape(ValueKind.Object, Properties: [Port("rank", Shape(ValueKind.Integer), required: true)]), required: true),
            Port("anything", ValueShape.Any),
        ], []) { ImplementationType = typeof(object) };

        var with = ThenFor(PipelineSchema.Generate(new ActivityCatalog([activity])), "test.shapes@2")["properties"]!["with"]!;

        var expected = JsonNode.Parse("""
            {
              "description": "Inputs of test.shapes@2: Takes one input of each shape.",
              "type": "object",
              "required": ["config"],
              "properties": {
                "mode": { "description": "The mode.", "anyOf": [{ "type": "string", "enum": ["fast", "slow"] }, { "$ref": "#/$defs/expression" }], "default": "fast" },
                "api_key": { "description": "The api_key.", "anyOf": [{ "type": "string" }, { "$ref": "#/$defs/expression" }], "writeOnly": true },
                "wait": { "description": "The wait.", "anyOf": [{ "$ref": "#/$defs/duration" }, { "$ref": "#/$defs/expression" }] },
                "tags": { "description": "The tags.", "anyOf": [
                  { "type": "array", "items": { "anyOf": [{ "type": "string" }, { "$ref": "#/$defs/expression" }] } },
                  { "$ref": "#/$defs/expression" }] },
                "weights": { "description": "The weights.", "anyOf": [
                  { "type": "object", "additionalProperties": { "anyOf": [{ "type": "number" }, { "$ref": "#/$defs/expression" }] } },
                  { "$ref": "#/$defs/expression" }] },
                "config": { "description": "The config.", "anyOf": [
                  { "type": "object", "required": ["rank"],
                    "properties": { "rank": { "description": "The rank.", "anyOf": [{ "type": "integer" }, { "$ref": "#/$defs/expression" }] } },
                    "additionalProperties": false },
                  { "$ref": "#/$defs/expression" }] },
                "anything": { "description": "The anything.", "anyOf": [{}, { "$ref": "#/$defs/expression" }] }
              },
              "additionalProperties": false
            }
            """)!;
        Assert.Equal(expected.ToJsonString(), with.ToJsonString());
    }

    [Theory]
    [InlineData("1h30m")]
    [InlineData("500ms")]
    [InlineData("30s")]
    [InlineData("1.5h")]
    [InlineData("2d")]
    [InlineData("1h0m5s")]
    public void Duration_pattern_accepts_what_the_parser_accepts(string text)
    {
        Assert.Matches(Pattern("duration"), text);
        Assert.True(Duration.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("5 minutes")]
    [InlineData("5")]
    [InlineData("-1s")]
    [InlineData("1.h")]
    [InlineData("h")]
    [InlineData("")]
    [InlineData("1w")]
    [InlineData("${{ params.timeout }}")]
    public void Duration_pattern_rejects_what_the_parser_rejects(string text)
    {
        Assert.DoesNotMatch(Pattern("duration"), text);
        Assert.False(Duration.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("${{ params.corpus }}", true)]
    [InlineData("  ${{ steps.gate.outputs.passed }}\n", true)]
    [InlineData("${{ {a: 1}['a'] }}", true)]
    [InlineData("lr-${{ matrix.lr }}", false)]
    [InlineData("params.corpus", false)]
    [InlineData("${{ unclosed", false)]
    public void Expression_pattern_matches_a_scalar_that_is_one_expression(string text, bool matches)
    {
        Assert.Equal(matches, Pattern("expression").IsMatch(text));
    }

    [Theory]
    [InlineData("0 0 3 ? * SUN", true)]
    [InlineData("0 0 3 ? * SUN 2030", true)]
    [InlineData("0 3 * * 0", false)]
    public void Schedules_need_the_six_or_seven_fields_of_quartz_cron(string cron, bool matches)
    {
        var pattern = BuiltInSchema()["$defs"]!["trigger"]!["properties"]!["schedule"]!["pattern"]!.GetValue<string>();

        Assert.Equal(matches, Regex.IsMatch(cron, pattern));
    }

    [Fact]
    public void Every_property_is_described()
    {
        var undescribed = Walk(BuiltInSchema(), "#")
            .Where(s => s.Key is not ("if" or "then") && s.Node["properties"] is JsonObject)
            .SelectMany(s => s.Node["properties"]!.AsObject()
                .Where(p => p.Value?["description"] is null)
                .Select(p => $"{s.Path}/properties/{p.Key}"));

        Assert.Empty(undescribed);
    }

    [Fact]
    public void Every_object_with_properties_rejects_unknown_keys()
    {
        var open = Walk(BuiltInSchema(), "#")
            .Where(s => s.Node["type"] is JsonValue type && type.GetValue<string>() == "object" && s.Node["properties"] is not null)
            .Where(s => !IsFalse(s.Node["additionalProperties"]) && !IsFalse(s.Node["unevaluatedProperties"]))
            .Select(s => s.Path);

        Assert.Empty(open);
    }

    [Fact]
    public void Every_reference_points_at_a_definition()
    {
        var schema = BuiltInSchema();
        var definitions = schema["$defs"]!.AsObject().Select(d => $"#/$defs/{d.Key}").ToHashSet();

        var dangling = Walk(schema, "#").Select(s => s.Node["$ref"]).OfType<JsonValue>().Select(r => r.GetValue<string>())
            .Where(r => !definitions.Contains(r));

        Assert.Empty(dangling);
    }

    [Fact]
    public void Every_pattern_is_an_ecmascript_regular_expression()
    {
        var patterns = Walk(BuiltInSchema(), "#").Select(s => s.Node["pattern"]).OfType<JsonValue>().Select(p => p.GetValue<string>()).ToList();

        Assert.NotEmpty(patterns);
        // JSON Schema patterns are ECMA-262; a pattern .NET reads only in its own dialect would break editors.
        Assert.All(patterns, p => _ = new Regex(p, RegexOptions.ECMAScript));
    }

    private static Regex Pattern(string definition) =>
        new(BuiltInSchema()["$defs"]![definition]!["pattern"]!.GetValue<string>());

    private static JsonObject ThenFor(JsonObject schema, string uses) =>
        schema["$defs"]!["step"]!["allOf"]!.AsArray()
            .Single(branch => branch!["if"]!["properties"]!["uses"]!["const"]!.GetValue<string>() == uses)!["then"]!.AsObject();

    private static List<string> Strings(JsonNode array) => array.AsArray().Select(n => n!.GetValue<string>()).ToList();

    private static bool IsFalse(JsonNode? node) => node is JsonValue value && value.TryGetValue<bool>(out var b) && !b;

    /// <summary>Every object in the schema with its JSON pointer and the key it sits under (array items inherit the array's key).</summary>
    private static IEnumerable<(JsonObject Node, string Path, string Key)> Walk(JsonNode? node, string path, string key = "")
    {
        switch (node)
        {
            case JsonObject obj:
                yield return (obj, path, key);
                foreach (var (name, child) in obj)
                {
                    foreach (var found in Walk(child, $"{path}/{name}", name)) yield return found;
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var found in Walk(array[i], $"{path}/{i}", key)) yield return found;
                }

                break;
        }
    }
}
