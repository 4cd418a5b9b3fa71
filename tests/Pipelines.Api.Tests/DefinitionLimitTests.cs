using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipelines.Api.Tests;

/// <summary>What a posted pipeline may cost the server: a bounded response however quadratic the document.</summary>
public sealed class DefinitionLimitTests
{
    /// <summary>Steps with 70-character ids each needing an unknown step: the document behind the 1.2 GB response.</summary>
    private static string Quadratic(int steps) =>
        "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: quadratic\nsteps:\n"
        + string.Concat(Enumerable.Range(1, steps).Select(i => $"  s{new string('x', 64)}{i:D5}: {{uses: core.noop@1, needs: z{i:D5}}}\n"));

    [Fact]
    public async Task A_quadratic_document_gets_a_response_the_size_of_the_limit()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Client.PostAsync("/api/definitions/validate", new StringContent(Quadratic(4000), Encoding.UTF8, "application/yaml"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(text.Length < 128 * 1024, $"{text.Length:N0} characters");
        var body = JsonNode.Parse(text)!;
        Assert.Equal(100, body["diagnostics"]!.AsArray().Count);
        Assert.Equal(7900, body["omitted"]!.GetValue<int>());
        Assert.Equal("the pipeline has 8,000 problems; the first 100 found are listed", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_short_report_leaves_nothing_out()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.PublishAsync(Yaml.UnknownActivity);

        Assert.Equal(0, (await Json.ReadAsync(response))["omitted"]!.GetValue<int>());
    }
}
