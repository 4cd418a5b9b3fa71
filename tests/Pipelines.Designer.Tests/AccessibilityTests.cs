using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>axe-core over the designer's main screen, with a pipeline on the canvas and a step's properties open, and over the version list and the compare view, in both themes.</summary>
public sealed class AccessibilityTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    private const string Pipeline = """
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: a11y
        params:
          who: { type: string, default: world }
        steps:
          greet:
            uses: core.echo@1
            with:
              message: hello ${{ params.who }}
          nap:
            uses: core.sleep@1
            needs: greet
            with:
              seconds: 1
        """;

    [Fact]
    public async Task The_main_screen_has_no_serious_or_critical_violations_in_the_light_and_dark_themes_and_the_theme_is_kept()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(Pipeline);
        await page.LaidOutAsync();
        await page.Node("nap").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Properties of step nap" })).ToBeVisibleAsync();
        var light = await page.Locator("html").GetAttributeAsync("data-theme");

        NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync($"main-{light}");

        var toggle = page.GetByRole(AriaRole.Button, new() { Name = light == "dark" ? "Light theme" : "Dark theme" });
        await toggle.ClickAsync();
        var dark = light == "dark" ? "light" : "dark";
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", dark);
        NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync($"main-{dark}");

        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", dark);
    }

    [Fact]
    public async Task The_version_list_and_the_compare_view_have_no_serious_or_critical_violations_in_either_theme()
    {
        await VersionTests.PublishBothAsync(session, "a11y-versions");
        var page = await session.OpenAsync("?open=a11y-versions");
        await Expect(page.Locator(".cm-content")).ToContainTextAsync("message: hi team");
        await page.Button("Versions").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Versions" });
        await Expect(dialog.Locator("tbody tr")).ToHaveCountAsync(2);
        NoneSerious(await page.RunAxe());

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Compare version 1 with version 2" }).ClickAsync();
        await Expect(page.Locator(".diff-canvas")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(VersionTests.DiffNode(page, "review")).ToBeVisibleAsync();
        NoneSerious(await page.RunAxe());

        var light = await page.Locator("html").GetAttributeAsync("data-theme");
        await page.GetByRole(AriaRole.Button, new() { Name = light == "dark" ? "Light theme" : "Dark theme" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Side by side" }).ClickAsync();
        await Expect(page.Locator(".cm-merge-a .cm-changedLine").First).ToBeVisibleAsync();
        NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync($"compare-versions-{(light == "dark" ? "light" : "dark")}");
    }

    /// <summary>Fails on serious and critical violations, listing each rule with its first elements and axe's help, so the failure says what to fix.</summary>
    internal static void NoneSerious(AxeResult result)
    {
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html} {string.Join(" ", n.Any.Select(c => c.Message))}"))} — {v.Help}")
            .ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }
}
