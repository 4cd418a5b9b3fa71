using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>The version list of the pipeline being edited, a version opened into the editor, and two versions compared as a graph and a text diff.</summary>
public sealed class VersionTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    /// <summary>Version 1 of a pipeline: four steps in a chain.</summary>
    internal static string First(string name) => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: {{{name}}}
        steps:
          fetch:
            uses: core.echo@1
            with:
              message: fetched
          draft:
            uses: core.echo@1
            needs: fetch
            with:
              message: hello team
          nap:
            uses: core.sleep@1
            needs: draft
            with:
              seconds: 1
          send:
            uses: core.echo@1
            needs: nap
            with:
              message: sent
        """;

    /// <summary>Version 2: draft's message changed, nap removed (send needs draft instead), review added; a comment that changes nothing.</summary>
    internal static string Second(string name) => $$$"""
        apiVersion: pipelines/v1
        kind: Pipeline
        metadata:
          name: {{{name}}}
        steps:
          # fetch is as it was
          fetch: { uses: core.echo@1, with: { message: fetched } }
          draft:
            uses: core.echo@1
            needs: fetch
            with:
              message: hi team
          send:
            uses: core.echo@1
            needs: draft
            with:
              message: sent
          review:
            uses: core.echo@1
            needs: send
            with:
              message: reviewed
        """;

    /// <summary>Publishes both versions through the real API.</summary>
    internal static async Task PublishBothAsync(DesignerSession session, string name)
    {
        Assert.Equal(HttpStatusCode.Created, (await session.Server.PublishAsync(First(name))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await session.Server.PublishAsync(Second(name))).StatusCode);
    }

    [Fact]
    public async Task Two_published_versions_are_listed_newest_first_and_compared_as_a_marked_graph_and_a_text_diff()
    {
        await PublishBothAsync(session, "e2e-versions");
        var page = await session.OpenAsync("?open=e2e-versions");
        await Expect(page.Locator(".cm-content")).ToContainTextAsync("message: hi team");
        await page.LaidOutAsync();

        await page.Button("Versions").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Versions" });
        await Expect(dialog.Locator("tbody th")).ToHaveTextAsync(["2", "1"]);
        await Expect(dialog.Locator("tbody tr").First).ToContainTextAsync("latest, the editor's text");
        await page.ScreenshotAsync("versions-list");
        // The editor holds version 2, so the first comparison offered is what version 2 changed.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Compare version 1 with version 2" }).ClickAsync();

        var compare = page.GetByRole(AriaRole.Region, new() { Name = "Compare e2e-versions" });
        await Expect(compare).ToBeVisibleAsync();
        await Expect(page.Locator(".diff-canvas")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(DiffNode(page, "review")).ToHaveAttributeAsync("aria-label", "step review, added");
        await Expect(DiffNode(page, "review")).ToHaveClassAsync(new Regex(@"\bdiff-added\b"));
        await Expect(DiffNode(page, "nap")).ToHaveAttributeAsync("aria-label", "step nap, removed");
        await Expect(DiffNode(page, "nap")).ToHaveClassAsync(new Regex(@"\bdiff-removed\b"));
        await Expect(DiffNode(page, "draft")).ToHaveAttributeAsync("aria-label", "step draft, changed: with.message");
        await Expect(DiffNode(page, "send")).ToHaveAttributeAsync("aria-label", "step send, changed: needs");
        await Expect(DiffNode(page, "draft")).ToHaveClassAsync(new Regex(@"\bdiff-changed\b"));
        // Reformatted into a flow mapping under a comment: the same step.
        await Expect(DiffNode(page, "fetch")).ToHaveAttributeAsync("aria-label", "step fetch, unchanged");
        await Expect(DiffNode(page, "review")).ToContainTextAsync("+ added");
        await Expect(DiffNode(page, "nap")).ToContainTextAsync("− removed");
        await Expect(compare.GetByRole(AriaRole.List, new() { Name = "Steps by change" }).Locator("li"))
            .ToHaveTextAsync(["+ added 1", "− removed 1", "± changed 2", "= unchanged 1"]);
        await Expect(compare.GetByRole(AriaRole.Region, new() { Name = "What changed" })).ToContainTextAsync("draft: with.message");

        var text = compare.GetByRole(AriaRole.Region, new() { Name = "Text diff" });
        await Expect(text.Locator(".cm-changedLine", new() { HasTextString = "message: hi team" })).ToBeVisibleAsync();
        await Expect(text.Locator(".cm-deletedChunk", new() { HasTextString = "message: hello team" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("compare-versions");

        await compare.GetByRole(AriaRole.Button, new() { Name = "Side by side" }).ClickAsync();
        await Expect(text.Locator(".cm-merge-a .cm-changedLine", new() { HasTextString = "message: hello team" })).ToBeVisibleAsync();
        await Expect(text.Locator(".cm-merge-b .cm-changedLine", new() { HasTextString = "message: hi team" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("compare-versions-side-by-side");

        await compare.GetByRole(AriaRole.Button, new() { Name = "Back to editing" }).ClickAsync();
        await Expect(compare).ToHaveCountAsync(0);
        await Expect(page.Node("review")).ToBeVisibleAsync();

        // An edit in the editor, then the comparison a user makes before publishing: the latest version against the text.
        await page.ReplaceYamlAsync(Second("e2e-versions").Replace("message: reviewed", "message: reviewed twice"));
        await page.Button("Versions").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Compare version 2 with the editor's text" }).ClickAsync();
        await Expect(page.Locator(".diff-canvas")).ToHaveAttributeAsync("aria-busy", "false");
        await Expect(DiffNode(page, "review")).ToHaveAttributeAsync("aria-label", "step review, changed: with.message");
        await Expect(DiffNode(page, "draft")).ToHaveAttributeAsync("aria-label", "step draft, unchanged");
        await Expect(text.Locator(".cm-changedLine", new() { HasTextString = "message: reviewed twice" })).ToBeVisibleAsync();

        // A and B picked in the view itself: version 1 against the text.
        await compare.GetByRole(AriaRole.Combobox, new() { Name = "A, before" }).SelectOptionAsync("1");
        await Expect(DiffNode(page, "nap")).ToHaveAttributeAsync("aria-label", "step nap, removed");
        await Expect(DiffNode(page, "review")).ToHaveAttributeAsync("aria-label", "step review, added");
        await compare.GetByRole(AriaRole.Button, new() { Name = "Back to editing" }).ClickAsync();
        Assert.Contains("message: reviewed twice", await page.YamlAsync());
    }

    [Fact]
    public async Task A_version_opened_from_the_list_replaces_the_text_and_undo_brings_the_text_back()
    {
        await PublishBothAsync(session, "e2e-reopened");
        var page = await session.OpenAsync("?open=e2e-reopened");
        await Expect(page.Locator(".cm-content")).ToContainTextAsync("message: hi team");

        await page.Button("Versions").ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Versions" }).GetByRole(AriaRole.Button, new() { Name = "Open version 1" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("opened e2e-reopened@1");
        Assert.Equal(First("e2e-reopened"), await page.YamlAsync());
        await page.LaidOutAsync();
        await Expect(page.Node("nap")).ToBeVisibleAsync();

        await page.Button("Undo").ClickAsync();
        await Expect(page.Locator(".cm-content")).ToContainTextAsync("message: hi team");
        Assert.Equal(Second("e2e-reopened"), await page.YamlAsync());
    }

    [Fact]
    public async Task The_list_says_how_to_make_a_version_when_the_pipeline_has_no_name_or_none_is_published()
    {
        var page = await session.OpenAsync();
        await page.ReplaceYamlAsync(First("e2e-never-published"));
        await page.Button("Versions").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Versions" });
        await Expect(dialog).ToContainTextAsync("e2e-never-published has no published version yet: Publish makes version 1.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await page.ReplaceYamlAsync("apiVersion: pipelines/v1\nkind: Pipeline\nsteps: {}\n");
        await page.Button("Versions").ClickAsync();
        await Expect(dialog).ToContainTextAsync("give the pipeline a metadata.name");
        await Expect(dialog.Locator("table")).ToHaveCountAsync(0);
    }

    /// <summary>A node of the compare view's graph (the editing canvas keeps its own, undisplayed, behind it).</summary>
    internal static ILocator DiffNode(IPage page, string step) => page.Locator($".diff-canvas .react-flow__node[data-id=\"{step}\"]");
}
