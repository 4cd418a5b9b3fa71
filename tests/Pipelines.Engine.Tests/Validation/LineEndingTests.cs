using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// A location is a place inside the file whatever its line endings: <c>\n</c>, <c>\r\n</c>, or old Mac <c>\r</c>,
/// which the YAML parser counts as line breaks too, so every line and column computed here must count them alike.
/// </summary>
public sealed class LineEndingTests
{
    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("\n")]
    public void A_syntax_error_on_line_3_is_reported_on_line_3_inside_that_line(string newline)
    {
        string[] lines = ["apiVersion: pipelines/v1", "kind: Pipeline", "metadata: a: b", "steps: {}"];

        var result = Load(string.Join(newline, lines) + newline);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.YamlSyntax, diagnostic.Code);
        Assert.Equal(3, diagnostic.Location.Line);
        AssertInside(lines, diagnostic.Location);
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public void An_expression_in_a_block_value_is_located_inside_its_line(string newline)
    {
        string[] lines =
        [
            "apiVersion: pipelines/v1", "kind: Pipeline", "metadata:", "  name: demo", "steps:", "  a:", "    uses: core.echo@1", "    with:",
            "      message: |", "        hello", "        there ${{ params.nope }}",
        ];

        var result = Load(string.Join(newline, lines) + newline);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnknownParam, diagnostic.Code);
        Assert.Equal(new SourceLocation(FileName, 11, lines[10].IndexOf("nope", StringComparison.Ordinal) + 1), diagnostic.Location);
        AssertInside(lines, diagnostic.Location);
    }

    [Fact]
    public void A_control_character_in_a_cr_file_is_located_on_its_line()
    {
        var result = Load("apiVersion: pipelines/v1\rkind: Pipeline\rmetadata: {name: de\u0007mo}\r");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.NotText, diagnostic.Code);
        Assert.Equal(new SourceLocation(FileName, 3, 20), diagnostic.Location);
    }

    [Fact]
    public void A_cr_file_that_starts_with_a_comment_is_not_empty()
    {
        var result = Load("# a pipeline\rapiVersion: pipelines/v1\rkind: Pipeline\rmetadata:\r  name: demo\rsteps:\r  a:\r    uses: core.noop@1\r");

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
    }

    [Fact]
    public void Brackets_after_a_comment_in_a_cr_file_still_count_towards_the_depth_limit()
    {
        var result = Load("# deep\r" + new string('[', 10_000) + new string(']', 10_000) + "\r");

        Assert.Equal(DiagnosticCodes.NestingTooDeep, Assert.Single(result.Diagnostics).Code);
    }

    private static void AssertInside(string[] lines, SourceLocation location)
    {
        Assert.InRange(location.Line, 1, lines.Length);
        Assert.InRange(location.Column, 1, lines[location.Line - 1].Length + 1);
    }
}
