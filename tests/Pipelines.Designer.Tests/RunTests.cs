using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>Runs started from the designer and watched on its canvas, a step's log and artifact opened, a review decided in its inbox.</summary>
public sealed class RunTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    private string Checked => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: e2e-checked
        params:
          who: { type: string, default: world }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: hello ${{ params.who }}
          check:
            uses: eval.safety@1
            needs: greet
            with:
              dataset: {{{Path.Combine(session.Inputs, "outputs.jsonl")}}}
        """;

    private const string Reviewed = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: e2e-reviewed
        steps:
          draft:
            uses: core.echo@1
            with:
              message: Quarterly numbers are in
          review:
            uses: gate.human@1
            with:
              title: Is the subject line good?
              samples:
                - { input: "the quarterly numbers mail", output: "${{ steps.draft.outputs.message }}" }
          ship:
            uses: core.echo@1
            needs: review
            with:
              message: shipped
        """;

    [Fact]
    public async Task A_run_started_with_params_is_drawn_live_and_a_step_shows_its_outputs_log_and_report_files()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(Checked);
        await page.LaidOutAsync();
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");

        await page.Button("Run…").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Start a run" });
        await dialog.GetByRole(AriaRole.Textbox).FillAsync("team");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();

        var run = page.GetByRole(AriaRole.Region, new() { Name = "Run" });
        await Expect(run.Locator(".run-status")).ToHaveTextAsync("succeeded");
        await Expect(page.Node("greet").Locator(".step-node")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"));
        await Expect(page.Node("check").Locator(".step-node")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"));
        await page.ScreenshotAsync("run-succeeded");

        await run.GetByRole(AriaRole.Button, new() { Name = "greet", Exact = true }).ClickAsync();
        var greet = page.GetByRole(AriaRole.Region, new() { Name = "Step greet of the run" });
        await Expect(greet).ToContainTextAsync("hello team");
        await Expect(greet.Locator("pre.log")).ToContainTextAsync("hello team");

        await run.GetByRole(AriaRole.Button, new() { Name = "check", Exact = true }).ClickAsync();
        var check = page.GetByRole(AriaRole.Region, new() { Name = "Step check of the run" });
        await check.Locator("a", new() { HasTextString = "artifact://sha256/" }).ClickAsync();
        var report = check.GetByRole(AriaRole.Link, new() { Name = "report.md" });
        await Expect(report).ToBeVisibleAsync();
        var opened = await page.Context.RunAndWaitForPageAsync(() => report.ClickAsync());
        await Expect(opened.Locator("body")).ToContainTextAsync("# Safety evaluation");
        await page.ScreenshotAsync("run-step-report");
    }

    [Fact]
    public async Task A_review_decided_in_the_inbox_continues_the_run_to_its_end()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(Reviewed);
        await page.LaidOutAsync();
        await Expect(page.Locator(".problems")).ToContainTextAsync("No problems.");
        await page.Button("Run…").ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Start a run" }).GetByRole(AriaRole.Button, new() { Name = "Start" }).ClickAsync();

        var run = page.GetByRole(AriaRole.Region, new() { Name = "Run" });
        await Expect(run.Locator(".run-status")).ToHaveTextAsync("waiting");
        await Expect(page.Node("review").Locator(".step-node")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-waiting"));
        await Expect(page.Node("ship").Locator(".step-node")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"));

        await page.Button("Reviews").ClickAsync();
        var review = page.GetByRole(AriaRole.Region, new() { Name = "Review Is the subject line good?" });
        await Expect(review).ToContainTextAsync("Quarterly numbers are in");
        await review.GetByRole(AriaRole.Combobox, new() { Name = "helpfulness" }).SelectOptionAsync("4");
        await page.ScreenshotAsync("review-inbox");
        await review.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(review).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Open reviews" }).GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await Expect(run.Locator(".run-status")).ToHaveTextAsync("succeeded");
        await Expect(page.Node("ship").Locator(".step-node")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("status-succeeded"));
    }
}
