using System.Text.Json.Nodes;
using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Activities;

public sealed class ActivityDescriberTests
{
    private static readonly ActivityDescriptor Tuning = ActivityDescriber.Describe(typeof(Tune));

    private static PortDescriptor Input(string name) =>
        Tuning.Input(name) ?? throw new Xunit.Sdk.XunitException($"no input '{name}'; inputs: {string.Join(", ", Tuning.Inputs.Select(i => i.Name))}");

    [Fact]
    public void The_attribute_gives_type_version_category_and_description()
    {
        Assert.Equal(("test.tune", 3, "Test", "Echoes its bound inputs.", false),
            (Tuning.Type, Tuning.Version, Tuning.Category, Tuning.Description, Tuning.Deterministic));
        Assert.Equal("test.tune@3", Tuning.Uses);
        Assert.Equal(typeof(Tune), Tuning.ImplementationType);
    }

    [Fact]
    public void Port_names_are_the_property_names_in_snake_case_in_declaration_order()
    {
        Assert.Equal(
            ["base_model", "learning_rate", "schedule", "target_modules", "labels", "early_stopping", "checkpoint_every", "tracker_token",
             "warmup", "precision", "max_steps"],
            Tuning.Inputs.Select(i => i.Name));
        Assert.Equal(["adapter", "losses"], Tuning.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void The_port_attribute_can_override_the_name()
    {
        Assert.Null(Tuning.Input("warmup_steps"));
        Assert.Equal(100, Input("warmup").Default!.GetValue<int>());
    }

    [Fact]
    public void Required_comes_from_the_required_keyword()
    {
        Assert.Equal(["base_model"], Tuning.Inputs.Where(i => i.Required).Select(i => i.Name));
        Assert.Null(Input("base_model").Default);
    }

    [Fact]
    public void Defaults_come_from_property_initialisers()
    {
        Assert.Equal(3e-4, Input("learning_rate").Default!.GetValue<double>());
        Assert.Equal("""["q_proj","v_proj"]""", Input("target_modules").Default!.ToJsonString());
        Assert.Equal("{}", Input("labels").Default!.ToJsonString());
        Assert.Equal("""{"patience":3,"min_delta":0}""", Input("early_stopping").Default!.ToJsonString());
        Assert.Equal("bf16", Input("precision").Default!.GetValue<string>());
    }

    [Fact]
    public void An_optional_input_without_an_initialiser_has_no_default()
    {
        var port = Input("max_steps");

        Assert.False(port.Required);
        Assert.Null(port.Default);
        Assert.Equal(ValueKind.Integer, port.Shape.Kind);
    }

    [Fact]
    public void Numbers_carry_their_range_and_kind()
    {
        var lr = Input("learning_rate");

        Assert.Equal((ValueKind.Number, 0.0, 1.0), (lr.Shape.Kind, lr.Minimum, lr.Maximum));
        Assert.Equal(ValueKind.Integer, Input("warmup").Shape.Kind);
        Assert.Null(Input("warmup").Minimum);
    }

    [Fact]
    public void Enums_are_strings_with_their_members_in_snake_case_as_allowed_values()
    {
        var schedule = Input("schedule");

        Assert.Equal(ValueKind.String, schedule.Shape.Kind);
        Assert.Equal(["constant", "cosine_with_restarts"], schedule.AllowedValues);
        Assert.Equal("cosine_with_restarts", schedule.Default!.GetValue<string>());
    }

    [Fact]
    public void One_of_restricts_a_string()
    {
        Assert.Equal(["fp32", "bf16"], Input("precision").AllowedValues);
        Assert.Null(Input("base_model").AllowedValues);
    }

    [Fact]
    public void A_list_of_strings_is_a_list_shape()
    {
        var shape = Input("target_modules").Shape;

        Assert.Equal(ValueKind.List, shape.Kind);
        Assert.Equal(ValueKind.String, shape.Items!.Kind);
        Assert.Equal("list of string", shape.DisplayName);
        Assert.Equal("list of number", Tuning.Output("losses")!.Shape.DisplayName);
    }

    [Fact]
    public void A_dictionary_is_an_object_of_its_value_type()
    {
        var shape = Input("labels").Shape;

        Assert.Equal(ValueKind.Object, shape.Kind);
        Assert.Equal(ValueKind.String, shape.Items!.Kind);
        Assert.Null(shape.Properties);
    }

    [Fact]
    public void A_nested_record_is_an_object_with_its_own_fields()
    {
        var shape = Input("early_stopping").Shape;

        Assert.Equal(ValueKind.Object, shape.Kind);
        Assert.Equal(["patience", "min_delta"], shape.Properties!.Select(p => p.Name));
        Assert.Equal([ValueKind.Integer, ValueKind.Number], shape.Properties!.Select(p => p.Shape.Kind));
        Assert.Equal("Evaluations without improvement before stopping.", shape.Properties![0].Description);
    }

    [Fact]
    public void A_time_span_is_a_duration_string_with_its_default_written_as_a_duration()
    {
        var port = Input("checkpoint_every");

        Assert.Equal(ValueKind.String, port.Shape.Kind);
        Assert.Equal("duration", port.Shape.Format);
        Assert.Equal("string (duration)", port.Shape.DisplayName);
        Assert.Equal("30s", port.Default!.GetValue<string>());
    }

    [Fact]
    public void Sensitive_marks_a_secret_input()
    {
        Assert.True(Input("tracker_token").Sensitive);
        Assert.Equal(["tracker_token"], Tuning.Inputs.Where(i => i.Sensitive).Select(i => i.Name));
    }

    [Fact]
    public void Descriptions_come_from_the_port_attribute()
    {
        Assert.Equal("Folder of the base model.", Input("base_model").Description);
    }

    [Fact]
    public async Task Inputs_bind_by_their_yaml_names_including_durations_enums_and_overrides()
    {
        var inputs = JsonNode.Parse("""
            {
              "base_model": "models/base-small",
              "learning_rate": 0.001,
              "schedule": "constant",
              "target_modules": ["q_proj"],
              "early_stopping": { "patience": 5, "min_delta": 0.01 },
              "checkpoint_every": "2m",
              "warmup": 7,
              "tracker_token": "t0k"
            }
            """)!.AsObject();

        var outputs = await Tuning.ExecuteAsync(inputs, Context(), CancellationToken.None);

        Assert.Equal("models/base-small|0.001|Constant|q_proj|5|120|7|t0k", outputs["adapter"]!.GetValue<string>());
        Assert.Equal("[0.5,0.25]", outputs["losses"]!.ToJsonString());
    }

    [Fact]
    public async Task Omitted_inputs_take_their_defaults_when_bound()
    {
        var outputs = await Tuning.ExecuteAsync(new JsonObject { ["base_model"] = "m" }, Context(), CancellationToken.None);

        Assert.Equal("m|0.0003|CosineWithRestarts|q_proj+v_proj|3|30|100|", outputs["adapter"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{ "base_model": "m", "checkpoint_every": "soon" }""", "checkpoint_every")]
    [InlineData("""{ "base_model": "m", "schedule": "linear" }""", "schedule")]
    [InlineData("""{ "base_model": "m", "schedule": 1 }""", "schedule")]
    [InlineData("""{ "base_model": "m", "early_stopping": { "patience": "three" } }""", "patience")]
    [InlineData("""{ "base_model": "m", "target_modules": "q_proj" }""", "target_modules")]
    [InlineData("""{ "base_model": "m", "warmup_steps": 7 }""", "warmup_steps")]
    public async Task Bad_inputs_fail_naming_the_input(string json, string name)
    {
        var error = await Assert.ThrowsAsync<ActivityFailedException>(
            () => Tuning.ExecuteAsync(JsonNode.Parse(json)!.AsObject(), Context(), CancellationToken.None));

        Assert.Contains(name, error.Message);
        Assert.False(error.Retryable);
    }

    [Fact]
    public void A_class_without_the_attribute_cannot_be_described()
    {
        Assert.Throws<InvalidOperationException>(() => ActivityDescriber.Describe(typeof(NotAnActivity)));
    }

    [Fact]
    public void A_catalog_refuses_the_same_activity_twice()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ActivityCatalog([Tuning, ActivityDescriber.Describe(typeof(Tune))]));

        Assert.Contains("test.tune@3", error.Message);
    }

    private static ActivityContext Context() => new() { RunId = "run-1", StepId = "tune" };

    private sealed class NotAnActivity;
}
