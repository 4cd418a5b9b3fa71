using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.Playwright;
using Pipelines.Activities;
using Pipelines.Api;
using Pipelines.Runtime;

namespace Pipelines.Bench;

/// <summary>
/// <c>-- designer [--steps 500] [--opens 5] [--keys 40]</c>: issue 16's figures in headless Chromium (Debian's, as the
/// end-to-end tests drive it) against a real host in this process: opening a pipeline of N steps (to its layout drawn
/// and fitted), a keystroke in the YAML view reflected on the canvas and validated by the server, frame times while
/// panning and zooming, and the built bundle's gzipped size. Build the designer first (designer/build.sh).
/// </summary>
public static class DesignerBenchmark
{
    // Marks what the page did, in its own clock (performance.now(), from navigation start): the layout of the whole
    // graph drawn, a keystroke's echo on its node and the server's verdict after it.
    private const string Probe = """
        (() => {
          window.__marks = { keyAt: 0, canvas: [], validated: [] };
          addEventListener('keydown', () => { window.__marks.keyAt = performance.now(); window.__marks.pending = 2; }, true);
          new MutationObserver(() => {
            const m = window.__marks;
            const canvas = document.querySelector('.canvas');
            if (!m.laidOut && canvas && canvas.getAttribute('aria-busy') === 'false' && document.querySelector('.react-flow__node'))
              m.laidOut = performance.mark(`seen laid out (${document.querySelectorAll('.react-flow__node').length} nodes, ${document.querySelectorAll('.react-flow__edge').length} edges drawn)`).startTime;
            if (m.pending === 2 && document.querySelector('.react-flow__node[data-id="' + window.__last + '"] .step-id')?.textContent === window.__name) {
              m.canvas.push(performance.now() - m.keyAt); m.pending = 1;
            }
            if (m.pending === 1 && /\(0\) valid/.test(document.querySelector('.problems h2')?.textContent ?? '')) {
              m.validated.push(performance.now() - m.keyAt); m.pending = 0;
            }
          }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
        })();
        """;

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var steps = int.Parse(Arg("--steps") ?? "500", CultureInfo.InvariantCulture);
        var opens = int.Parse(Arg("--opens") ?? "5", CultureInfo.InvariantCulture);
        var keys = int.Parse(Arg("--keys") ?? "40", CultureInfo.InvariantCulture);
        var chromium = Environment.GetEnvironmentVariable("PIPELINES_CHROMIUM") ?? "/usr/bin/chromium";
        var dist = Path.Combine(BenchMachine.Checkout(), "designer", "dist");
        if (!File.Exists(Path.Combine(dist, "index.html"))) throw new InvalidOperationException($"{dist} is not built: run designer/build.sh first");

        var data = Directory.CreateTempSubdirectory("pipelines-designer-bench-").FullName;
        var url = $"http://127.0.0.1:{BenchMachine.FreePort()}";
        await using var server = await ApiHost.BuildAsync(new ApiHostOptions
        {
            DataDirectory = data,
            Urls = [url],
            Runtime = new RuntimeOptions { MaxParallel = 1 },
            Settings = new Dictionary<string, string?>(),
            ConsoleLogging = false,
        }, BuiltInActivities.CreateCatalog());
        await server.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var yaml = Pipeline(steps);
            (await http.PostAsync("/api/definitions", new StringContent(yaml, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
            Console.WriteLine($"a pipeline of {steps} steps ({yaml.Length / 1024} KiB of YAML); Chromium {chromium}; {Environment.ProcessorCount} cores, load average {BenchMachine.Load()}");

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-default-apps", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run"],
            });

            // 1. Opening: a fresh page each time, from navigation to the whole graph laid out and fitted.
            var openMs = new List<double>();
            var paintMs = new List<double>();
            IPage? page = null;
            for (var i = 0; i < opens + 1; i++)
            {
                if (page is not null) await page.Context.CloseAsync();
                page = await Open(browser, url, steps);
                var laidOut = await page.EvaluateAsync<double>("() => window.__marks.laidOut");
                var paint = await page.EvaluateAsync<double>("() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0");
                if (i == 0) continue; // the first warms the browser's caches
                openMs.Add(laidOut);
                paintMs.Add(paint);
            }

            // Where the last open's time went: the designer's own marks (data loaded, text opened, layout asked and
            // answered, nodes drawn, view fitted) and the longest resources, all from navigation.
            var timeline = await page!.EvaluateAsync<string>("""
                () => [...performance.getEntriesByType('mark').map((m) => `${m.name.replace('designer:', '')} ${m.startTime.toFixed(0)}`),
                  ...performance.getEntriesByType('resource').filter((r) => r.duration > 50)
                    .map((r) => `${new URL(r.name).pathname.split('/').pop()} ${r.startTime.toFixed(0)}–${r.responseEnd.toFixed(0)}`)].join('; ')
                """);
            Console.WriteLine($"open timeline (ms from navigation): {timeline}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"open {steps} steps: layout drawn and fitted after {Percentile(openMs, 0.5):0} ms (median of {opens}; max {openMs.Max():0}); first contentful paint {Percentile(paintMs, 0.5):0} ms"));

            // 2. Keystrokes at the end of the name of the step drawn nearest the canvas's centre (the canvas draws only
            // what is in view on a large pipeline, as a user sees it), reached with CodeMirror's go-to-line.
            var target = await page!.EvaluateAsync<string>("""
                () => { const pane = document.querySelector('.react-flow__pane').getBoundingClientRect();
                  const [cx, cy] = [pane.x + pane.width / 2, pane.y + pane.height / 2];
                  const near = (n) => { const r = n.getBoundingClientRect(); return Math.hypot(r.x + r.width / 2 - cx, r.y + r.height / 2 - cy); };
                  return [...document.querySelectorAll('.react-flow__node')].sort((a, b) => near(a) - near(b))[0].dataset.id; }
                """);
            var name = $"Step {target[1..]}";
            var line = Array.IndexOf(yaml.Split('\n'), $"    name: {name}") + 1;
            await page.EvaluateAsync("id => { window.__last = id; }", target);
            await page.Locator(".cm-content").ClickAsync();
            await page.Keyboard.PressAsync("Control+Alt+g");
            await page.Keyboard.TypeAsync(line.ToString(CultureInfo.InvariantCulture));
            await page.Keyboard.PressAsync("Enter");
            await page.Keyboard.PressAsync("End");
            var profilePath = Environment.GetEnvironmentVariable("DESIGNER_PROFILE");
            var keysProfile = profilePath is null ? null : await page.Context.NewCDPSessionAsync(page);
            if (keysProfile is not null)
            {
                await keysProfile.SendAsync("Profiler.enable");
                await keysProfile.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
                await keysProfile.SendAsync("Profiler.start");
            }

            for (var k = 0; k < keys; k++)
            {
                var letter = (char)('a' + k % 26);
                name += letter;
                await page.EvaluateAsync("n => { window.__name = n; }", name);
                await page.Keyboard.TypeAsync(letter.ToString());
                await page.WaitForFunctionAsync("k => window.__marks.validated.length > k", k, new() { Timeout = 30_000 });
            }

            if (keysProfile is not null) File.WriteAllText(profilePath! + ".keys", (await keysProfile.SendAsync("Profiler.stop"))!.Value.GetProperty("profile").GetRawText());
            var canvas = await page.EvaluateAsync<double[]>("() => window.__marks.canvas");
            if (Environment.GetEnvironmentVariable("DESIGNER_KEYS") is not null)
                Console.WriteLine($"each keystroke, canvas / validated (ms): {string.Join(" ", (await page.EvaluateAsync<double[]>("() => window.__marks.canvas")).Zip(await page.EvaluateAsync<double[]>("() => window.__marks.validated"), (c, v) => $"{c:0}/{v:0}"))}");
            if (Environment.GetEnvironmentVariable("DESIGNER_KEYS") is not null)
                Console.WriteLine($"each validation request, sent → answered (ms): {await page.EvaluateAsync<string>("""
                    () => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/validate')).slice(-40)
                      .map((r) => `${(r.requestStart - r.startTime).toFixed(0)}+${(r.responseEnd - r.requestStart).toFixed(0)}`).join(' ')
                    """)}");
            var validated = await page.EvaluateAsync<double[]>("() => window.__marks.validated");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"keystroke in the YAML view ({keys}): on the canvas p50 {Percentile(canvas, 0.5):0} ms p95 {Percentile(canvas, 0.95):0} ms; validated by the server p50 {Percentile(validated, 0.5):0} ms p95 {Percentile(validated, 0.95):0} ms"));

            // 3. Panning and zooming: frame intervals while the pointer drags the pane and the wheel zooms.
            await page.EvaluateAsync("""
                () => { window.__frames = []; let last = performance.now();
                  const tick = (t) => { window.__frames.push(t - last); last = t; if (window.__frames.length < 100000) requestAnimationFrame(tick); };
                  requestAnimationFrame(tick); }
                """);
            var pane = await page.Locator(".react-flow__pane").BoundingBoxAsync() ?? throw new InvalidOperationException("no canvas pane");
            var (cx, cy) = (pane.X + pane.Width / 2, pane.Y + pane.Height / 2);
            for (var round = 0; round < 4; round++)
            {
                await page.Mouse.MoveAsync(cx, cy);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync(cx + 200, cy + 120, new() { Steps = 30 });
                await page.Mouse.MoveAsync(cx, cy, new() { Steps = 30 });
                await page.Mouse.UpAsync();
                for (var w = 0; w < 10; w++) await page.Mouse.WheelAsync(0, round % 2 == 0 ? -120 : 120);
            }

            var frames = (await page.EvaluateAsync<double[]>("() => window.__frames")).Skip(1).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pan and zoom: {frames.Count} frames, interval p50 {Percentile(frames, 0.5):0.0} ms p95 {Percentile(frames, 0.95):0.0} ms max {frames.Max():0.0} ms; {frames.Count(f => f > 50)} over 50 ms"));

            // 4. The bundle, gzipped: what the first page loads, and the editor's chunk, loaded after it.
            var assets = Directory.GetFiles(Path.Combine(dist, "assets")).Select(f => (Name: Path.GetFileName(f), Gzip: Gzipped(f))).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
            var index = File.ReadAllText(Path.Combine(dist, "index.html"));
            var initial = assets.Where(a => index.Contains(a.Name, StringComparison.Ordinal)).Sum(a => a.Gzip);
            Console.WriteLine($"bundle, gzipped: {initial / 1024.0:0.0} KiB loaded by the page, {assets.Sum(a => a.Gzip) / 1024.0:0.0} KiB in all ({string.Join(", ", assets.Select(a => $"{a.Name} {a.Gzip / 1024.0:0.0}"))})");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"designer: open {steps} steps {Percentile(openMs, 0.5):0} ms; keystroke p95 {Percentile(canvas, 0.95):0} ms on the canvas, {Percentile(validated, 0.95):0} ms validated; frames p95 {Percentile(frames, 0.95):0.0} ms; {initial / 1024.0:0} KiB gzipped first load"));
            return 0;
        }
        finally
        {
            await server.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<IPage> Open(IBrowser browser, string url, int steps)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        await context.AddInitScriptAsync(Probe);
        var page = await context.NewPageAsync();
        var profile = Environment.GetEnvironmentVariable("DESIGNER_PROFILE");
        var cdp = profile is null ? null : await context.NewCDPSessionAsync(page);
        if (cdp is not null)
        {
            await cdp.SendAsync("Profiler.enable");
            await cdp.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
            await cdp.SendAsync("Profiler.start");
        }

        await page.GotoAsync($"{url}/designer/?open=big");
        try
        {
            await page.WaitForFunctionAsync("() => window.__marks.laidOut", null, new() { Timeout = 60_000 });
            if (cdp is not null) File.WriteAllText(profile!, (await cdp.SendAsync("Profiler.stop"))!.Value.GetProperty("profile").GetRawText());
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<string>("() => document.querySelector('.canvas')?.getAttribute('aria-busy') + ' ' + [...document.querySelectorAll('.react-flow__node')].map((n) => n.dataset.id).slice(0, 20).join(',')");
            await page.ScreenshotAsync(new() { Path = "/tmp/bench-open.png" });
            throw new TimeoutException($"the designer did not open in 60 s: busy, nodes = {state}");
        }
        return page;
    }

    /// <summary>
    /// <paramref name="steps"/> echo steps named "Step i": each needs its parent in a binary tree, every fifth also
    /// reads its predecessor's output (an implied edge); the last key of the file is the last step's name.
    /// </summary>
    internal static string Pipeline(int steps)
    {
        var text = new StringBuilder("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: big\nparams:\n  who: { type: string, default: world }\nsteps:\n");
        for (var i = 0; i < steps; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  s{i}:\n    uses: core.echo@1\n");
            if (i > 0) text.Append(CultureInfo.InvariantCulture, $"    needs: s{(i - 1) / 2}\n");
            if (i % 5 == 4) text.Append(CultureInfo.InvariantCulture, $"    with:\n      message: after ${{{{ steps.s{i - 1}.outputs.message }}}}\n");
            else text.Append("    with:\n      message: hello ${{ params.who }}\n");
            text.Append(CultureInfo.InvariantCulture, $"    name: Step {i}");
            if (i < steps - 1) text.Append('\n');
        }

        return text.ToString();
    }

    private static long Gzipped(string file)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) File.OpenRead(file).CopyTo(gzip);
        return output.Length;
    }

    private static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
