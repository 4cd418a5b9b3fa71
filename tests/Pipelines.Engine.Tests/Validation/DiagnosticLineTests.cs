using System.Buffers;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>A diagnostic is one line of bounded length whatever the file holds: values with line breaks, control characters, huge keys.</summary>
public sealed class DiagnosticLineTests
{
    private static readonly SearchValues<char> Breaking = SearchValues.Create("\n\r\u0085\u2028\u2029\u001B");

    [Theory]
    [InlineData("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata: {name: demo}\ntriggers:\n  - schedule: \"0 0\\n3 ? * SUN\\r\\nxx\"\n")]
    [InlineData("apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: demo\n  \"a\\nb\\u2028c\\x85d\": 1\n")]
    [InlineData("apiVersion: \"\\e[31mpipelines/v1\\e[0m\"\nkind: Pipeline\nmetadata: {name: demo}\n")]
    public void Values_with_line_breaks_and_control_characters_are_escaped_on_one_line(string head)
    {
        var result = Load(head + "steps:\n  a:\n    uses: core.noop@1\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(-1, diagnostic.ToString().IndexOfAny(Breaking));
        Assert.Matches(@"\\(n|u001B)", diagnostic.Message);
    }

    [Fact]
    public void A_100_kilobyte_key_is_echoed_cut_to_a_short_value()
    {
        var key = new string('k', 100 * 1024);

        var result = LoadWithHeader($"  a:\n    uses: core.noop@1\n    ? {key}\n    : 1\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnknownKey, diagnostic.Code);
        Assert.Contains($"'{new string('k', DiagnosticText.MaxEcho - 1)}…'", diagnostic.Message, StringComparison.Ordinal);
        Assert.True(diagnostic.ToString().Length < 600, $"{diagnostic.ToString().Length:N0} characters");
    }

    [Fact]
    public void A_huge_step_id_is_cut_in_every_message_that_names_it()
    {
        var id = "s" + new string('x', 50_000);

        var result = LoadWithHeader($"  ? {id}\n  :\n    uses: core.nothing@1\n"); // an explicit key: plain keys stop at 1,024 characters

        Assert.Equal(2, result.Diagnostics.Count); // the invalid id and the unknown activity
        Assert.All(result.Diagnostics, d => Assert.True(d.ToString().Length < 600, $"{d.ToString().Length:N0} characters"));
    }

    [Fact]
    public void No_message_or_hint_is_longer_than_the_limit()
    {
        var diagnostic = Diagnostic.Error("PL0000", new SourceLocation("f.yaml", 1, 1), new string('m', 10_000) + "\n", new string('h', 10_000));

        Assert.Equal(DiagnosticText.MaxLength, diagnostic.Message.Length);
        Assert.Equal(DiagnosticText.MaxLength, diagnostic.Hint!.Length);
        Assert.EndsWith("…", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_name_with_a_line_break_stays_on_the_line()
    {
        var result = PipelineLoader.Load("evil\nname.yaml", Header + "  a:\n    uses: core.nothing@1\n", Catalog);

        Assert.StartsWith("evil\\nname.yaml:7:11: error PL3001", Assert.Single(result.Diagnostics).ToString(), StringComparison.Ordinal);
    }
}
