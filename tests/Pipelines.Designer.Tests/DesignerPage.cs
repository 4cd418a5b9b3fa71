using Microsoft.Playwright;

namespace Pipelines.Designer.Tests;

/// <summary>What the tests do to the designer's page, as a user would: through its controls, its editor and its canvas.</summary>
internal static class DesignerPage
{
    /// <summary>The YAML text the designer holds (the one source of truth, kept in session storage as it changes).</summary>
    public static Task<string> YamlAsync(this IPage page) => page.EvaluateAsync<string>("() => sessionStorage.getItem('pipelines.designer.text') ?? ''");

    /// <summary>Replaces the YAML view's whole text, as a paste over a selection of everything does.</summary>
    public static async Task ReplaceYamlAsync(this IPage page, string text)
    {
        await page.Locator(".cm-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+a");
        await page.Keyboard.InsertTextAsync(text);
    }

    public static ILocator Node(this IPage page, string step) => page.Locator($".react-flow__node[data-id=\"{step}\"]");

    public static ILocator Button(this IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    /// <summary>Waits until the canvas has laid out and fitted the graph's latest structure (it is aria-busy until then).</summary>
    public static Task LaidOutAsync(this IPage page) => Assertions.Expect(page.Locator(".canvas")).ToHaveAttributeAsync("aria-busy", "false");

    /// <summary>Drags activity <paramref name="uses"/> from the palette onto the canvas.</summary>
    public static async Task DropActivityAsync(this IPage page, string uses)
    {
        await page.LaidOutAsync();
        var nodes = await page.Locator(".react-flow__node").CountAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Add a step: {uses}" }).DragToAsync(page.Locator(".canvas .react-flow__pane"));
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(nodes + 1);
        await page.LaidOutAsync();
    }

    /// <summary>
    /// Draws an edge from <paramref name="from"/>'s bottom handle to <paramref name="to"/>'s top handle, as a hand does
    /// (press, move in steps, release): <paramref name="to"/> needs <paramref name="from"/>. React Flow starts a
    /// connection on the first move past its threshold and finds the handle under the pointer on the moves after, so a
    /// single jump (what DragTo sends) may end before any handle was found.
    /// </summary>
    public static async Task ConnectAsync(this IPage page, string from, string to)
    {
        await page.LaidOutAsync();
        var edges = await page.Locator(".react-flow__edge").CountAsync();
        var source = page.Locator($"[title^=\"steps after {from}:\"]");
        var target = page.Locator($"[title^=\"needs of {to}:\"]");
        await source.HoverAsync();
        await page.Mouse.DownAsync();
        var box = await target.BoundingBoxAsync() ?? throw new InvalidOperationException($"the handle of {to} is not on the page");
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2, new() { Steps = 10 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(page.Locator(".react-flow__edge")).ToHaveCountAsync(edges + 1);
        await page.LaidOutAsync();
    }

    public static Task ScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DesignerSession.Screenshots, $"{name}.png"), FullPage = true });
}
