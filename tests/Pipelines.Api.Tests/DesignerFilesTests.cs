using System.Net;
using System.Text.RegularExpressions;

namespace Pipelines.Api.Tests;

/// <summary>
/// <c>/designer/</c> serves the built designer (<c>designer/dist</c>, which ./test.sh builds before the .NET tests) to a
/// browser without a token, while the API it calls still needs one.
/// </summary>
public sealed partial class DesignerFilesTests
{
    private const string Secret = "designer-secret-0123456789";

    [Fact]
    public async Task The_designer_index_and_its_assets_load_without_a_token_while_the_api_needs_one()
    {
        var dist = DesignerFiles.Locate(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Assert.True(dist is not null, $"designer/dist is not built; run `{DesignerFiles.BuildCommand}` from the checkout (./test.sh does)");
        await using var server = await TestServer.StartAsync(null, ("ada", Secret, ["admin"]));

        using var index = await server.Client.GetAsync("/designer/");
        var html = await index.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", html);

        var script = ScriptPath().Match(html);
        Assert.True(script.Success, $"index.html names no script under /designer/assets/: {html}");
        using var asset = await server.Client.GetAsync(script.Value);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", asset.Headers.CacheControl?.ToString());
        Assert.Equal(File.ReadAllText(Path.Combine(dist!, script.Value["/designer/".Length..])), await asset.Content.ReadAsStringAsync());

        using var route = await server.Client.GetAsync("/designer/some/route");
        Assert.Equal(HttpStatusCode.OK, route.StatusCode); // the app's own routes get its index
        Assert.Equal(html, await route.Content.ReadAsStringAsync());

        using var bare = await server.Client.GetAsync("/designer");
        Assert.Equal("/designer/", bare.RequestMessage?.RequestUri?.AbsolutePath); // redirected, and followed

        using var api = await server.Client.GetAsync("/api/activities");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Without_a_built_designer_the_page_says_how_to_build_it()
    {
        var empty = Directory.CreateTempSubdirectory("pipelines-designer-none-").FullName;
        try
        {
            await using var server = await TestServer.StartWithSettingsAsync(new Dictionary<string, string?> { ["Designer:Root"] = empty });
            using var response = await server.Client.GetAsync("/designer/");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains(DesignerFiles.BuildCommand, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [GeneratedRegex("/designer/assets/[^\"]+\\.js")]
    private static partial Regex ScriptPath();
}
