using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Pipelines.Api;
using Pipelines.Api.Tests;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;
using Pipelines.Registry;

namespace Pipelines.Designer.Tests;

/// <summary>
/// A real <c>serve</c> with tokens that serves a tiny model (<see cref="OpenAiTestHost"/>: a tiny Llama exported to int8
/// ONNX) as <c>m@production</c>, and Chromium to drive the designer against it. Model <c>m</c> has two versions whose
/// lineage names a run, metrics and a training dataset of short meeting questions (what drift is measured against), and
/// a history: production set to v1, staging set to v2, then moved back to v1.
/// </summary>
public sealed class ModelSession : IAsyncLifetime
{
    public const string ViewerSecret = "viewer-secret-0123456789";
    public const string OperatorSecret = "operator-secret-012345678";
    public const string InferenceSecret = "inference-secret-0123456";

    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-designer-models-").FullName;
    private IPlaywright? _playwright;
    private ApiServer? _server;

    public HttpClient Client { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var export = OpenAiTestHost.Export(Path.Combine(_data, "exports", "int8"), seed: 5);
        var train = Path.Combine(_data, "train.jsonl");
        await File.WriteAllLinesAsync(train, Enumerable.Range(0, 60).Select(i =>
            new JsonObject { ["prompt"] = $"When is meeting {i % 17} about the {(i % 2 == 0 ? "budget" : "plan")}?", ["completion"] = "Thursday" }.ToJsonString()));

        var registry = new SqlModelRegistry(new SqliteDialect(await SqliteDatabase.OpenAsync(_data, CancellationToken.None)));
        for (var run = 1; run <= 2; run++)
        {
            await registry.RegisterAsync("m", new ModelVersionDraft
            {
                Source = _data,
                BaseModel = "tiny-llama",
                Dataset = train,
                RunId = $"run-{run}",
                StepId = "train",
                Metrics = new JsonObject { ["rougeL"] = 0.3 + (run / 100.0) },
                Variants = new Dictionary<string, string> { ["int8"] = export },
            }, CancellationToken.None);
        }

        await registry.MoveAliasAsync("m", "production", 1, "ann", "first release", CancellationToken.None);
        await registry.MoveAliasAsync("m", "staging", 2, "ann", null, CancellationToken.None);
        await registry.MoveAliasAsync("m", "staging", 1, "bob", "v2 regressed", CancellationToken.None);

        (_server, Client) = await OpenAiTestHost.StartAsync(_data, ["m@production"], new Dictionary<string, string?> { ["SampleRate"] = "1" }, null,
            ("vera", ViewerSecret, ["viewer"]), ("otto", OperatorSecret, ["operator"]), ("ivy", InferenceSecret, ["inference"]));
        _playwright = await Playwright.CreateAsync();
        Browser = await DesignerSession.LaunchChromiumAsync(_playwright);
    }

    /// <summary>A new page at the designer, signed in with <paramref name="secret"/> (as the sign-in dialog keeps it) in <paramref name="theme"/>.</summary>
    public async Task<IPage> OpenAsync(string secret, string theme)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        await context.AddInitScriptAsync($"sessionStorage.setItem('pipelines.token', '{secret}'); localStorage.setItem('pipelines.designer.theme', '{theme}');");
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{Client.BaseAddress}designer/");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add a step: core.echo@1" })).ToBeVisibleAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_server is not null) await OpenAiTestHost.StopAsync([(_server, Client)], _data);
        else Directory.Delete(_data, recursive: true);
    }
}
