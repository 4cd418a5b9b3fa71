using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>Authoring comfort and run control: copy and paste of steps, the matrix form, a file opened from disk, a run cancelled and resumed.</summary>
public sealed class ComfortTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    private const string TwoSteps = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: e2e-comfort
        steps:
          fetch:
            uses: core.echo@1
            with:
              message: fetched
          train:                       # the step to copy
            uses: core.echo@1
            needs: fetch
            with:
              message: ${{ steps.fetch.outputs.message }} and trained

        """;

    private const string Resumable = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: e2e-resumed
        steps:
          greet:
            uses: core.echo@1
            with:
              message: hello
          nap:
            uses: core.sleep@1
            needs: greet
            with:
              seconds: 3
          after:
            uses: core.echo@1
            needs: nap
            with:
              message: ${{ steps.greet.outputs.message }} again
        """;

    [Fact]
    public async Task A_step_copied_and_pasted_on_the_canvas_is_written_renamed_in_the_yaml_with_its_comment_and_needs()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(TwoSteps);
        await Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(2);
        await page.LaidOutAsync();

        await page.Node("train").ClickAsync();
        await page.Keyboard.PressAsync("Control+c");
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("copied step train as YAML");
        await page.Keyboard.PressAsync("Control+v");

        await Expect(page.Node("train_2")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("pasted step train_2 (renamed train → train_2");
        var yaml = await page.YamlAsync();
        Assert.EndsWith("""
              train_2:                       # the step to copy
                uses: core.echo@1
                needs: fetch
                with:
                  message: ${{ steps.fetch.outputs.message }} and trained

            """.Replace("\r\n", "\n", StringComparison.Ordinal), yaml, StringComparison.Ordinal);
        Assert.StartsWith(TwoSteps.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n'), yaml, StringComparison.Ordinal);
        // The pasted step is the selection: its properties show, and Ctrl+D duplicates it.
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Properties of step train_2" })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Control+d");
        await Expect(page.Node("train_3")).ToBeVisibleAsync();
        await Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(3);

        // In a text field, Ctrl+V is the field's own: the text goes there, no step is pasted.
        var search = page.Locator("#palette-search");
        await search.FocusAsync();
        await page.Keyboard.PressAsync("Control+v");
        await Expect(search).ToHaveValueAsync(new Regex("train:"));
        await Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(4);
        Assert.DoesNotContain("train_4", await page.YamlAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_matrix_axis_filled_in_the_form_is_written_in_the_yaml()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(TwoSteps);
        await page.LaidOutAsync();
        await page.Node("train").ClickAsync();

        var matrix = page.GetByRole(AriaRole.Group, new() { Name = "Matrix" });
        await matrix.GetByLabel("New matrix axis name").FillAsync("size");
        await matrix.GetByLabel("Values of the new axis").FillAsync("[4, 8]");
        await matrix.GetByRole(AriaRole.Button, new() { Name = "Add axis" }).ClickAsync();
        await YamlContainsAsync(page, "    matrix: { size: [4, 8] }\n");

        await matrix.GetByLabel("matrix.size").FillAsync("[4, 8, 16]");
        await YamlContainsAsync(page, "    matrix: { size: [4, 8, 16] }\n");
        await page.GetByRole(AriaRole.Group, new() { Name = "Select (outputs.best)" }).GetByLabel("minimize").FillAsync("${{ item.message.length }}");
        await YamlContainsAsync(page, "    select: { minimize: \"${{ item.message.length }}\" }\n");
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");

        await matrix.GetByLabel("New matrix axis name").FillAsync("bad name");
        await matrix.GetByLabel("Values of the new axis").FillAsync("[1]");
        await matrix.GetByRole(AriaRole.Button, new() { Name = "Add axis" }).ClickAsync();
        await Expect(matrix.GetByRole(AriaRole.Alert)).ToContainTextAsync("'bad name' is not an axis name");
    }

    [Fact]
    public async Task A_pipeline_file_opened_from_disk_is_the_document_and_a_wrong_file_is_refused_with_why()
    {
        var page = await session.OpenAsync();
        var file = Path.Combine(CheckoutRoot(), "pipelines", "lifecycle.yaml");
        await page.Locator("input[type=file]").SetInputFilesAsync(file);

        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("opened lifecycle.yaml");
        Assert.Equal(File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal), await page.YamlAsync());
        await Expect(page.Node("finetune")).ToBeVisibleAsync();

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "hello"u8.ToArray() });
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("cannot open: notes.txt is not a .yaml or .yml file");
        await Expect(page.Node("finetune")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_pipeline_forms_edit_triggers_params_and_defaults_in_place_and_are_accessible_in_both_themes()
    {
        var page = await session.OpenAsync();
        var file = Path.Combine(CheckoutRoot(), "pipelines", "tour.yaml");
        await page.Locator("input[type=file]").SetInputFilesAsync(file);
        await page.LaidOutAsync();
        var panel = page.GetByRole(AriaRole.Region, new() { Name = "Pipeline properties" });

        var schedule = panel.GetByRole(AriaRole.Group, new() { Name = "trigger 2: schedule" });
        await schedule.GetByLabel("timezone").FillAsync("America/New_York");
        await YamlContainsAsync(page, "    params: { audience: daily }\n    timezone: America/New_York\n");
        await panel.GetByRole(AriaRole.Group, new() { Name = "param rounds" }).GetByLabel("default").FillAsync("5");
        await YamlContainsAsync(page, "  rounds: { type: integer, default: 5 }\n");
        await panel.GetByRole(AriaRole.Group, new() { Name = "Defaults (every step)" }).GetByRole(AriaRole.Group, new() { Name = "Resources" }).GetByLabel("gpu").FillAsync("1");
        await YamlContainsAsync(page, "  resources: { cpu: 1, memory: 512Mi, gpu: 1 }\n");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Add monitor" }).ClickAsync();
        await Expect(panel.GetByRole(AriaRole.Group, new() { Name = "trigger 3: monitor" })).ToBeVisibleAsync();
        await YamlContainsAsync(page, "  - monitor: { model: email-subjects@production, when: \"${{ drift.prompt_length.psi > 0.25 || quality.toxicity_rate > 0.01 }}\" }\n");
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems."); // the schema's examples are valid as written
        var original = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.StartsWith(original[..original.IndexOf("params:", StringComparison.Ordinal)], await page.YamlAsync(), StringComparison.Ordinal);

        AccessibilityTests.NoneSerious(await page.RunAxe());
        var theme = await page.Locator("html").GetAttributeAsync("data-theme");
        await page.GetByRole(AriaRole.Button, new() { Name = theme == "dark" ? "Light theme" : "Dark theme" }).ClickAsync();
        AccessibilityTests.NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync("pipeline-forms");
    }

    [Fact]
    public async Task A_run_cancelled_while_a_step_sleeps_is_resumed_from_the_panel_to_success()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(Resumable);
        await page.LaidOutAsync();
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");
        await page.Button("Run…").ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Start a run" }).GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();

        var run = page.GetByRole(AriaRole.Region, new() { Name = "Run" });
        await Expect(page.Node("nap").Locator(".step-node")).ToHaveClassAsync(new Regex("status-running"));
        await run.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
        await Expect(run.Locator(".run-status")).ToHaveTextAsync("cancelled");
        await Expect(page.Node("after").Locator(".step-node")).Not.ToHaveClassAsync(new Regex("status-succeeded"));

        await run.GetByRole(AriaRole.Button, new() { Name = "Resume run" }).ClickAsync();
        await Expect(run.Locator(".run-status")).ToHaveTextAsync("succeeded");
        await Expect(page.Node("after").Locator(".step-node")).ToHaveClassAsync(new Regex("status-succeeded"));
        await page.ScreenshotAsync("run-resumed");

        // The same run, resumed where it stopped: greet ran once, nap twice.
        var id = await run.Locator("h2 code").InnerTextAsync();
        using var response = await session.Server.Client.GetAsync($"/api/runs/{id}");
        var report = await Api.Tests.Json.ReadAsync(response);
        int Attempts(string step) => (int)report["steps"]!.AsArray().Single(s => (string)s!["id"]! == step)!["attempts"]!;
        Assert.Equal(1, Attempts("greet"));
        Assert.Equal(2, Attempts("nap"));
    }

    /// <summary>Waits until the document holds <paramref name="text"/> (form edits reach it as the user types).</summary>
    private static Task YamlContainsAsync(IPage page, string text) =>
        page.WaitForFunctionAsync("t => (sessionStorage.getItem('pipelines.designer.text') ?? '').includes(t)", text, new() { Timeout = DesignerSession.ExpectTimeoutMs });

    private static string CheckoutRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "pipelines", "lifecycle.yaml"))) return folder.FullName;
        }

        throw new InvalidOperationException($"no checkout with pipelines/lifecycle.yaml above {AppContext.BaseDirectory}");
    }
}
