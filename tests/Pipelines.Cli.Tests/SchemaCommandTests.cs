using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

public sealed class SchemaCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Prints_a_draft_2020_12_json_schema()
    {
        var result = await _workspace.RunAsync("schema");

        Assert.Equal(0, result.ExitCode);
        var schema = JsonNode.Parse(result.Out)!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
        Assert.Contains("core.echo@1", schema["$defs"]!["step"]!["properties"]!["uses"]!["enum"]!.AsArray().Select(u => u!.GetValue<string>()));
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Writes_the_same_schema_to_a_file_with_output()
    {
        var path = Path.Combine(_workspace.Root, "pipeline.schema.json");
        var printed = await _workspace.RunAsync("schema");

        var result = await _workspace.RunAsync("schema", "--output", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Equal(JsonNode.Parse(printed.Out)!.ToJsonString(), JsonNode.Parse(File.ReadAllText(path))!.ToJsonString());
    }
}
