using Pipelines.Api;

namespace Pipelines.Cli.Tests;

/// <summary>The README promises what the code does: the lists users copy from are checked against the code's own.</summary>
public sealed class ReadmeTests
{
    private static readonly string[] Paragraphs = File.ReadAllText(Path.Combine(Repository.Root, "README.md")).Replace("\r\n", "\n").Split("\n\n");

    [Fact]
    public void The_api_section_lists_every_role_a_token_may_have()
    {
        var auth = Assert.Single(Paragraphs, p => p.Contains("Auth__Tokens__0__Roles__0", StringComparison.Ordinal));

        Assert.All(ApiRoles.All, role => Assert.Contains($"`{role}`", auth, StringComparison.Ordinal));
    }
}
