using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Pipelines.Api.Tests;
using YamlDotNet.RepresentationModel;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>The designer in Chromium against a real server: authoring on the canvas and in the text, validation, publishing.</summary>
public sealed class AuthoringTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    private const string ThreeSteps = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: e2e-demo
        # fetch, then train on it, then report
        steps:
          fetch:
            uses: core.echo@1
            with:
              message: fetched
          train:
            uses: core.echo@1
            needs: fetch
            with:
              message: ${{ steps.fetch.outputs.message }} and trained
          report:
            uses: core.echo@1
            needs: train
            with:
              message: done

        """;

    [Fact]
    public async Task Steps_dropped_and_connected_on_the_canvas_are_written_in_the_yaml()
    {
        var page = await session.OpenAsync();
        await page.Button("New").ClickAsync();

        await page.DropActivityAsync("core.echo@1");
        await page.DropActivityAsync("core.echo@1");
        await page.DropActivityAsync("core.noop@1");
        await Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(3);
        await page.ConnectAsync("echo", "echo_2");
        await page.ConnectAsync("echo_2", "noop");

        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
        var steps = Steps(await page.YamlAsync());
        Assert.Equal(["echo", "echo_2", "noop"], steps.Children.Keys.Select(k => k.ToString()));
        Assert.Equal("core.echo@1", Field(steps, "echo_2", "uses"));
        Assert.Equal("core.noop@1", Field(steps, "noop", "uses"));
        Assert.Equal(["echo"], Needs(steps, "echo_2"));
        Assert.Equal(["echo_2"], Needs(steps, "noop"));
        // core.echo requires a message: the server's verdict marks both echo nodes, not the noop.
        await Expect(page.Node("echo").Locator(".badge")).ToBeVisibleAsync();
        await Expect(page.Node("echo_2").Locator(".badge")).ToBeVisibleAsync();
        await Expect(page.Node("noop").Locator(".badge")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("canvas-three-steps");
    }

    [Fact]
    public async Task An_error_typed_in_the_yaml_is_shown_on_its_node_and_line_until_undone_then_the_pipeline_publishes()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(ThreeSteps);
        await Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(3);
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(2);
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");
        await Expect(page.Locator(".problems h2")).ToContainTextAsync("valid");

        // Line 12 names an activity version that does not exist.
        await page.ReplaceYamlAsync(ThreeSteps.Replace("  train:\n    uses: core.echo@1", "  train:\n    uses: core.echo@7", StringComparison.Ordinal));
        await Expect(page.Node("train").Locator(".badge")).ToBeVisibleAsync();
        await Expect(page.Node("fetch").Locator(".badge")).ToHaveCountAsync(0);
        var problem = page.Locator(".problems .problem.error");
        await Expect(problem).ToHaveCountAsync(1);
        await Expect(problem).ToContainTextAsync("12:11");
        await Expect(problem).ToContainTextAsync("activity 'core.echo' has no version 7");
        await Expect(page.Locator(".cm-lintRange-error")).ToHaveCountAsync(1);
        await Expect(page.Button("Publish")).ToBeDisabledAsync();
        await page.ScreenshotAsync("yaml-error-on-node");

        await page.Button("Undo").ClickAsync();
        await Expect(page.Node("train").Locator(".badge")).ToHaveCountAsync(0);
        Assert.Contains("uses: core.echo@1\n    needs: fetch", await page.YamlAsync(), StringComparison.Ordinal);
        await page.Button("Redo").ClickAsync();
        await Expect(page.Node("train").Locator(".badge")).ToBeVisibleAsync();
        await page.Button("Undo").ClickAsync();
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");

        await page.Button("Publish").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("published e2e-demo@1");
        using var versions = await session.Server.Client.GetAsync("/api/definitions/e2e-demo/versions");
        var published = (await Api.Tests.Json.ReadAsync(versions))["versions"]!.AsArray();
        var version = Assert.Single(published);
        Assert.Equal(1, (int)version!["version"]!);
        using var yaml = await session.Server.Client.GetAsync("/api/definitions/e2e-demo/versions/1");
        Assert.Contains("# fetch, then train on it, then report", (string)(await Api.Tests.Json.ReadAsync(yaml))["yaml"]!, StringComparison.Ordinal);
    }

    private static YamlMappingNode Steps(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("steps")];
    }

    private static string? Field(YamlMappingNode steps, string step, string field) =>
        ((YamlMappingNode)steps.Children[new YamlScalarNode(step)]).Children.TryGetValue(new YamlScalarNode(field), out var value) ? value.ToString() : null;

    private static IEnumerable<string> Needs(YamlMappingNode steps, string step) =>
        ((YamlMappingNode)steps.Children[new YamlScalarNode(step)]).Children[new YamlScalarNode("needs")] switch
        {
            YamlSequenceNode list => list.Children.Select(c => c.ToString()),
            var single => [single.ToString()],
        };
}
