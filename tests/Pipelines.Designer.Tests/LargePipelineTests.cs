using System.Net;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pipelines.Designer.Tests;

/// <summary>A pipeline too large to draw whole at a readable size, opened from a link: what is in view is drawn, rightly.</summary>
public sealed class LargePipelineTests(DesignerSession session) : IClassFixture<DesignerSession>
{
    /// <summary><paramref name="steps"/> echo steps named "Step i" in a chain, each needing the one before.</summary>
    private static string Chain(string name, int steps)
    {
        var text = new StringBuilder($"apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: {name}\nsteps:\n");
        for (var i = 0; i < steps; i++)
        {
            text.Append($"  s{i}:\n    uses: core.echo@1\n    name: Step {i}\n");
            if (i > 0) text.Append($"    needs: [s{i - 1}]\n");
            text.Append($"    with:\n      message: hello {i}\n");
        }

        return text.ToString();
    }

    [Fact]
    public async Task A_linked_pipeline_of_200_steps_draws_the_steps_in_view_with_edges_on_their_handles_and_follows_the_text()
    {
        Assert.Equal(HttpStatusCode.Created, (await session.Server.PublishAsync(Chain("e2e-large", 200))).StatusCode);
        var page = await session.OpenAsync("?open=e2e-large");
        await page.LaidOutAsync();

        // Opened at its first step, readable, with only the nodes in view on the page.
        await Expect(page.Node("s0")).ToBeInViewportAsync();
        var drawn = await page.Locator(".react-flow__node").CountAsync();
        Assert.InRange(drawn, 3, 100);

        // A keystroke in the step's name reaches its node.
        await page.Locator(".cm-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+Alt+g");
        await page.Keyboard.TypeAsync("8"); // "    name: Step 0"
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.TypeAsync("x");
        await Expect(page.Node("s0").Locator(".step-id")).ToHaveTextAsync("Step 0x");
        Assert.Contains("    name: Step 0x\n", await page.YamlAsync());

        // The edges between drawn nodes leave the source's bottom handle and reach the target's top handle: the handles'
        // places are declared (React Flow takes them again for a node whose step changed, as s0 just did), and they must
        // be where it would measure them.
        var gaps = await page.EvaluateAsync<double[]>("""
            () => {
              const drawn = new Set([...document.querySelectorAll('.react-flow__node')].map((n) => n.dataset.id));
              const edges = [...document.querySelectorAll('.react-flow__edge')].map((e) => e.dataset.id)
                .filter((id) => id.startsWith('needs:')).map((id) => id.slice('needs:'.length).split('>'))
                .filter(([from, to]) => drawn.has(from) && drawn.has(to));
              if (!edges.some(([from]) => from === 's0')) throw new Error('no edge of s0 between drawn steps');
              const centre = (el) => { const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; };
              return edges.flatMap(([from, to]) => {
                const path = document.querySelector(`.react-flow__edge[data-id="needs:${from}>${to}"] path.react-flow__edge-path`);
                const onScreen = (length) => {
                  const p = path.getPointAtLength(length), m = path.getScreenCTM();
                  return [m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f];
                };
                const [start, end] = [onScreen(0), onScreen(path.getTotalLength())];
                const source = centre(document.querySelector(`.react-flow__node[data-id="${from}"] .react-flow__handle-bottom`));
                const sink = centre(document.querySelector(`.react-flow__node[data-id="${to}"] .react-flow__handle-top`));
                return [Math.hypot(start[0] - source[0], start[1] - source[1]), Math.hypot(end[0] - sink[0], end[1] - sink[1])];
              });
            }
            """);
        Assert.True(gaps.Length >= 4, $"{gaps.Length / 2} edges between drawn steps");
        Assert.All(gaps, gap => Assert.InRange(gap, 0, 3));
    }
}
