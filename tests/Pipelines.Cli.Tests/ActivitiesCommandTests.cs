using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

public sealed class ActivitiesCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Lists_the_activities_with_their_inputs()
    {
        var result = await _workspace.RunAsync("activities");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("core.echo@1", result.Out);
        Assert.Contains("core.sleep@1", result.Out);
        Assert.Contains(result.OutLines, l => l.Contains("seconds: number", StringComparison.Ordinal) && l.Contains("required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Json_lists_every_activity_with_its_inputs()
    {
        var result = await _workspace.RunAsync("activities", "--json");

        Assert.Equal(0, result.ExitCode);
        var activities = JsonNode.Parse(result.Out)!.AsArray();
        var echo = activities.Single(a => a!["uses"]!.GetValue<string>() == "core.echo@1")!;
        var message = Assert.Single(echo["inputs"]!.AsArray())!;
        Assert.Equal("message", message["name"]!.GetValue<string>());
        Assert.Equal("string", message["type"]!.GetValue<string>());
        Assert.True(message["required"]!.GetValue<bool>());
        Assert.Contains(activities, a => a!["uses"]!.GetValue<string>() == "core.noop@1");
    }
}
