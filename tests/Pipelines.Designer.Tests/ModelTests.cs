using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>The Models view against a server that serves a tiny model: the registry, the alias history, alias moves by role, and live monitoring with its charts.</summary>
public sealed class ModelTests(ModelSession session) : IClassFixture<ModelSession>
{
    private async Task ChatAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var body = new JsonObject
            {
                ["model"] = "m@production",
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"When is meeting {i} about the budget?" }),
                ["max_tokens"] = 4,
                ["temperature"] = 0,
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ModelSession.InferenceSecret);
            using var response = await session.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static async Task<ILocator> OpenModelsAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Models", Exact = true }).ClickAsync();
        var view = page.GetByRole(AriaRole.Dialog, new() { Name = "Models" });
        await Expect(view.GetByRole(AriaRole.Heading, new() { Name = "Versions of m" })).ToBeVisibleAsync();
        return view;
    }

    private static ILocator History(ILocator view) => view.Locator("table.history tbody tr");

    [Fact]
    public async Task The_models_view_shows_versions_with_aliases_and_lineage_the_history_newest_first_and_live_monitoring_drawn_as_charts_in_both_themes()
    {
        await ChatAsync(5);
        var page = await session.OpenAsync(ModelSession.ViewerSecret, "light");
        var view = await OpenModelsAsync(page);

        var v1 = view.Locator("table.versions tr[data-version='1']");
        await Expect(v1.Locator(".alias")).ToHaveTextAsync(["production", "staging"]);
        await Expect(v1).ToContainTextAsync("run-1, step train");
        await Expect(v1).ToContainTextAsync("rougeL 0.31");
        await Expect(view.Locator("table.versions tr[data-version='2']")).ToContainTextAsync("rougeL 0.32");
        // Newest first: the fixture's three moves in reverse order, whatever another test added above them.
        await Expect(History(view).Filter(new() { HasText = "set production to v1" })).ToContainTextAsync("first release");
        var rows = await History(view).Locator("td:nth-child(2)").AllInnerTextsAsync();
        var fixture = rows.Where(r => r.EndsWith("staging to v2") || r.Contains("staging from v2 to v1") || r.Contains("production to v1")).ToList();
        Assert.Equal(["moved staging from v2 to v1", "set staging to v2", "set production to v1"], fixture);
        await Expect(History(view).Filter(new() { HasText = "moved staging from v2 to v1" })).ToContainTextAsync("bob");

        var monitoring = view.GetByRole(AriaRole.Region, new() { Name = "Monitoring of m@production" });
        await Expect(monitoring.Locator(".requests-count")).ToHaveTextAsync("5");
        await Expect(monitoring.GetByRole(AriaRole.Table, new() { Name = "Latency" }).Locator("tbody tr").First).ToContainTextAsync(new Regex(@"End to end\s*[0-9.]+ m?s"));
        await Expect(monitoring.GetByRole(AriaRole.Group, new() { Name = "Finish reasons" })).ToContainTextAsync(new Regex(@"(stop|length) \d"));
        var drift = monitoring.GetByRole(AriaRole.Table, new() { Name = "Drift" });
        await Expect(drift.Locator("tbody th")).ToHaveTextAsync(["prompt length", "token distribution", "unknown token rate", "non ascii share"]);
        foreach (var status in await drift.Locator("td.drift-status").AllInnerTextsAsync()) Assert.Matches("^(● ok|▲ warn|■ drift)$", status);

        // Live: requests sent while the view is open show up without reopening it, in the figures and the charts.
        await ChatAsync(2);
        await Expect(monitoring.Locator(".requests-count")).ToHaveTextAsync("7");
        var charts = monitoring.Locator(".monitoring-charts [role=img]");
        await Expect(charts).ToHaveCountAsync(3);
        await Expect(monitoring.Locator(".monitoring-charts canvas")).ToHaveCountAsync(3);
        var (latency, traffic, drifted) = (charts.Nth(0), charts.Nth(1), charts.Nth(2));
        await Expect(traffic).ToHaveAttributeAsync("data-requests", "7");
        await Expect(latency).ToHaveAttributeAsync("data-series", "4");
        await Expect(traffic).ToHaveAttributeAsync("data-series", "2");
        await Expect(drifted).ToHaveAttributeAsync("data-series", "3");
        await Expect(drifted).ToHaveAttributeAsync("data-points", "4");
        var points = int.Parse((await latency.GetAttributeAsync("data-points"))!);
        Assert.InRange(points, 1, 60);
        Assert.Equal(points.ToString(), await traffic.GetAttributeAsync("data-points"));
        await Expect(latency).ToHaveAttributeAsync("aria-label", new Regex(@"^Latency over time, \d+ buckets? of \d+ s: p50 from"));
        await Expect(drifted).ToHaveAttributeAsync("aria-label", new Regex(@"prompt length psi [0-9.e-]+ \((ok|warn|drift); warn at 0\.1, drift at 0\.25\)"));

        AccessibilityTests.NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync("models-light");
        await MonitoringScreenshotAsync(monitoring, "models-monitoring-light");

        await page.Keyboard.PressAsync("Escape");
        await Expect(view).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Dark theme" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        view = await OpenModelsAsync(page);
        await Expect(view.Locator(".monitoring-charts canvas")).ToHaveCountAsync(3);
        AccessibilityTests.NoneSerious(await page.RunAxe());
        await page.ScreenshotAsync("models-dark");
        await MonitoringScreenshotAsync(view.GetByRole(AriaRole.Region, new() { Name = "Monitoring of m@production" }), "models-monitoring-dark");
    }

    [Fact]
    public async Task A_viewer_is_told_the_role_a_move_needs_and_an_operator_sets_moves_and_rolls_back_an_alias_after_confirming()
    {
        var page = await session.OpenAsync(ModelSession.ViewerSecret, "light");
        var view = await OpenModelsAsync(page);
        await Expect(History(view).Filter(new() { HasText = "set production to v1" })).ToHaveCountAsync(1); // the history has been read
        var moves = await History(view).CountAsync();

        await MoveAsync(view, "canary", "v2");
        await Expect(view.GetByRole(AriaRole.Status).Filter(new() { HasText = "failed" })).ToContainTextAsync("lacks the 'operator' role");
        await Expect(History(view)).ToHaveCountAsync(moves);

        // Signed in again as an operator (the sign-in dialog, as a person does it).
        await page.Keyboard.PressAsync("Escape");
        await page.GetByRole(AriaRole.Button, new() { Name = "Token ✓" }).ClickAsync();
        await page.GetByLabel("Bearer token").FillAsync(ModelSession.OperatorSecret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        view = await OpenModelsAsync(page);

        await MoveAsync(view, "canary", "v2");
        await Expect(History(view).First).ToContainTextAsync("set canary to v2");
        await Expect(History(view).First).ToContainTextAsync("otto");
        await MoveAsync(view, "canary", "v1", cancelFirst: true);
        await Expect(History(view).First).ToContainTextAsync("moved canary from v2 to v1");
        await Expect(view.Locator("table.versions tr[data-version='1'] .alias")).ToContainTextAsync(["canary"]);

        await view.GetByRole(AriaRole.Button, new() { Name = "Roll back canary…" }).ClickAsync();
        var confirm = view.GetByRole(AriaRole.Group, new() { Name = "Confirm the change" });
        await Expect(confirm).ToContainTextAsync("Roll m@canary back from v1 to v2?");
        await Expect(confirm.GetByRole(AriaRole.Button, new() { Name = "Roll back canary" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(History(view).First).ToContainTextAsync("rolled canary back from v1 to v2");
        await Expect(History(view)).ToHaveCountAsync(moves + 3);
        await Expect(view.Locator("table.versions tr[data-version='2'] .alias")).ToContainTextAsync(["canary"]);
    }

    /// <summary>The monitoring section whole (the dialog scrolls, so a page screenshot shows its top only).</summary>
    private static Task MonitoringScreenshotAsync(ILocator monitoring, string name) =>
        monitoring.ScreenshotAsync(new() { Path = Path.Combine(DesignerSession.Screenshots, $"{name}.png") });

    /// <summary>Fills the move form and confirms; with <paramref name="cancelFirst"/>, cancels the first confirmation and asks again.</summary>
    private static async Task MoveAsync(ILocator view, string alias, string version, bool cancelFirst = false)
    {
        await view.GetByLabel("Alias", new() { Exact = true }).FillAsync(alias);
        await view.GetByLabel("To version").SelectOptionAsync(version);
        await view.GetByRole(AriaRole.Button, new() { Name = "Move…" }).ClickAsync();
        var confirm = view.GetByRole(AriaRole.Group, new() { Name = "Confirm the change" });
        if (cancelFirst)
        {
            await confirm.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Expect(confirm).ToBeHiddenAsync();
            await Expect(view.GetByRole(AriaRole.Button, new() { Name = "Move…" })).ToBeFocusedAsync(); // back where the question came from
            await view.GetByRole(AriaRole.Button, new() { Name = "Move…" }).ClickAsync();
        }

        await confirm.GetByRole(AriaRole.Button, new() { Name = $"Move {alias}" }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();
    }
}
