using Microsoft.Playwright;
using Pipelines.Api.Tests;

namespace Pipelines.Designer.Tests;

/// <summary>
/// A real <c>pipelines serve</c> on a free loopback port (<see cref="TestServer"/>) and Debian's Chromium driven by
/// Playwright, headless, with background networking off: no browser is downloaded, and the page reaches nothing but the
/// server. <see cref="OpenAsync"/> gives a fresh page (its own storage) at <c>/designer/</c>. Screenshots go to
/// <see cref="Screenshots"/>, the test run's artifacts.
/// </summary>
public sealed class DesignerSession : IAsyncLifetime
{
    /// <summary>Where Chromium is: <c>PIPELINES_CHROMIUM</c>, else Debian's package (test.sh installs it).</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("PIPELINES_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>The folder the screenshots of the main screens are written to, beside the test assembly.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private IPlaywright? _playwright;

    public TestServer Server { get; private set; } = null!;

    /// <summary>A folder the server's steps may read (<c>Files:Roots</c>), holding <c>outputs.jsonl</c>: answers for eval.safety to check.</summary>
    public string Inputs { get; } = Directory.CreateTempSubdirectory("pipelines-designer-inputs-").FullName;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>How long an expectation waits for the page by default.</summary>
    public const float ExpectTimeoutMs = 30_000;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        await File.WriteAllLinesAsync(Path.Combine(Inputs, "outputs.jsonl"),
        [
            """{"prompt": "Write a subject line: the meeting moved to Friday", "output": "Meeting moved to Friday"}""",
            """{"prompt": "Write a subject line: mail bob@example.com the slides", "output": "Slides for bob@example.com"}""",
        ]);
        Server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?> { ["Files:Roots:0"] = Inputs });
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
    }

    /// <summary>Debian's Chromium, headless, with background networking off: the page reaches nothing but the server.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        // Playwright's 5 s for an expectation is a speed claim on a quiet machine; these tests check behaviour, and CI
        // runs them on two cores beside a server per class. How fast the designer is belongs to bench/ (designer).
        Assertions.SetDefaultExpectTimeout(ExpectTimeoutMs);
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"no Chromium at {ChromiumPath}: install Debian's package (apt-get install chromium; ./test.sh does) or set PIPELINES_CHROMIUM to a Chromium binary");
        }

        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", // CI runs as root, where Chromium's sandbox cannot start
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
            ],
        });
    }

    /// <summary>A new page (a context of its own: empty session and local storage) at the designer, its catalog loaded.</summary>
    public async Task<IPage> OpenAsync(string query = "")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{Server.Client.BaseAddress}designer/{query}");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add a step: core.echo@1" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".cm-content")).ToBeVisibleAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        Directory.Delete(Inputs, recursive: true);
    }
}
