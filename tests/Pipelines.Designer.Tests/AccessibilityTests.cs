using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>axe-core over the designer's main screen, with a pipeline on the canvas and a step's properties open, in both themes.</summary>
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

    /// <summary>Fails on serious and critical violations, listing each rule with its first elements and axe's help, so the failure says what to fix.</summary>
    internal static void NoneSerious(AxeResult result)
    {
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html} {string.Join(" ", n.Any.Select(c => c.Message))}"))} — {v.Help}")
            .ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }
}
