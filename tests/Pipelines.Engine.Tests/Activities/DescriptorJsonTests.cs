using System.Text.Json.Nodes;
using Pipelines.Activities;

namespace Pipelines.Engine.Tests.Activities;

public sealed class DescriptorJsonTests
{
    private static readonly ActivityCatalog Catalog = BuiltInActivities.CreateCatalog();

    private static JsonArray Parsed() => JsonNode.Parse(DescriptorJson.Catalog(Catalog).ToJsonString())!.AsArray();

    [Fact]
    public void Every_activity_round_trips_its_type_version_and_port_names()
    {
        var json = Parsed();

        Assert.Equal(Catalog.All.Count, json.Count);
        foreach (var (descriptor, entry) in Catalog.All.Zip(json))
        {
            Assert.Equal(descriptor.Type, entry!["type"]!.GetValue<string>());
            Assert.Equal(descriptor.Version, entry["version"]!.GetValue<int>());
            Assert.Equal(descriptor.Uses, entry["uses"]!.GetValue<string>());
            Assert.Equal(descriptor.Category, entry["category"]!.GetValue<string>());
            Assert.Equal(descriptor.Deterministic, entry["deterministic"]!.GetValue<bool>());
            Assert.Equal(descriptor.Inputs.Select(i => i.Name), entry["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
            Assert.Equal(descriptor.Outputs.Select(o => o.Name), entry["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));
        }
    }

    [Fact]
    public void Sleep_seconds_carries_type_range_and_required()
    {
        var seconds = Activity("core.sleep@1")["inputs"]![0]!;

        Assert.Equal(
            JsonNode.Parse("""{"name":"seconds","type":"number","description":"How long to wait, in seconds.","required":true,"minimum":0,"maximum":86400}""")!.ToJsonString(),
            seconds.ToJsonString());
    }

    [Fact]
    public void Fail_message_carries_its_default()
    {
        var message = Activity("core.fail@1")["inputs"]![0]!;

        Assert.False(message["required"]!.GetValue<bool>());
        Assert.Equal("failed on purpose (core.fail)", message["default"]!.GetValue<string>());
    }

    [Fact]
    public void Enums_sensitivity_durations_and_nested_fields_are_written()
    {
        var json = DescriptorJson.Activity(ActivityDescriber.Describe(typeof(Tune)));
        JsonNode Port(string name) => json["inputs"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!;

        Assert.Equal("""["constant","cosine_with_restarts"]""", Port("schedule")["enum"]!.ToJsonString());
        Assert.True(Port("tracker_token")["sensitive"]!.GetValue<bool>());
        Assert.Null(Port("base_model")["sensitive"]);
        Assert.Equal("string (duration)", Port("checkpoint_every")["type"]!.GetValue<string>());
        Assert.Equal("30s", Port("checkpoint_every")["default"]!.GetValue<string>());
        Assert.Equal("list of string", Port("target_modules")["type"]!.GetValue<string>());
        Assert.Equal(["patience", "min_delta"], Port("early_stopping")["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void The_json_is_a_fresh_copy_so_editing_it_leaves_the_descriptor_alone()
    {
        var json = DescriptorJson.Catalog(Catalog);
        var fail = json.Single(a => a!["uses"]!.GetValue<string>() == "core.fail@1")!;

        fail["inputs"]![0]!["default"] = "changed";

        Assert.Equal("failed on purpose (core.fail)", Catalog.Find("core.fail", 1)!.Inputs[0].Default!.GetValue<string>());
    }

    private static JsonNode Activity(string uses) => Parsed().Single(a => a!["uses"]!.GetValue<string>() == uses)!;
}
