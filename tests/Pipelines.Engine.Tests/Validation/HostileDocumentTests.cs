using System.Text;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// Documents written to hurt the loader: each must come back as a diagnostic with the right code, never as an
/// exception or a crashed process. The two-second bound is only a generous guard against runaway work.
/// </summary>
public sealed class HostileDocumentTests
{
    /// <summary>
    /// What one load may allocate: five times the most any bounded load here allocates (about 50 MiB), far below runaway work (an alias bomb
    /// expanded, a quadratic pass), which allocates gigabytes. Counted on this thread, so a busy machine cannot move it
    /// the way it moves wall-clock time.
    /// </summary>
    private const long Generous = 256L * 1024 * 1024;

    private const string EchoHead = "apiVersion: pipelines/v1\nkind: Pipeline\nmetadata:\n  name: demo\nsteps:\n  a:\n    uses: core.echo@1\n    with:\n      message: ";

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n  \t\n")]
    [InlineData("# only a comment\n   # and another\n")]
    [InlineData("---\n...\n")]
    public void Empty_or_comment_only_file_is_reported_as_empty(string text)
    {
        var diagnostic = Assert.Single(Rejected(() => Load(text), DiagnosticCodes.EmptyFile));

        Assert.Equal(new SourceLocation(FileName, 1, 1), diagnostic.Location);
    }

    [Theory]
    [InlineData("~\n")]
    [InlineData("null\n")]
    [InlineData("&a\n")]
    [InlineData("# the anchor below is named '&#' and anchors nothing\n&&#\n")]
    public void Document_that_is_only_a_null_value_is_reported(string text)
    {
        // A result with no pipeline must say why: `pipelines validate` would otherwise print "0 errors" and fail.
        var result = Bounded(() => Load(text));

        Assert.Null(result.Pipeline);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains(diagnostic.Code, new[] { DiagnosticCodes.EmptyFile, DiagnosticCodes.WrongNodeType });
    }

    [Fact]
    public void Empty_byte_array_is_reported_as_empty()
    {
        Rejected(() => PipelineLoader.Load(FileName, [], Catalog), DiagnosticCodes.EmptyFile);
    }

    [Fact]
    public void Random_bytes_with_nul_are_not_text()
    {
        var bytes = new byte[4096];
        new Random(20250301).NextBytes(bytes);
        bytes[7] = 0;

        Rejected(() => PipelineLoader.Load(FileName, bytes, Catalog), DiagnosticCodes.NotText);
    }

    [Fact]
    public void Nul_inside_otherwise_valid_yaml_is_located()
    {
        var bytes = Encoding.UTF8.GetBytes(EchoHead + "hi\0there\n");

        var diagnostic = Assert.Single(Rejected(() => PipelineLoader.Load(FileName, bytes, Catalog), DiagnosticCodes.NotText));

        Assert.Equal(new SourceLocation(FileName, 9, 18), diagnostic.Location);
        Assert.Contains("U+0000", diagnostic.Message);
    }

    [Fact]
    public void Invalid_utf8_is_located_at_the_bad_byte()
    {
        var bytes = Encoding.UTF8.GetBytes(EchoHead + "caf\u00e9\n");
        bytes[^3] = 0xC3;
        bytes[^2] = 0x28; // 0xC3 0x28: a lead byte followed by a non-continuation byte

        var diagnostic = Assert.Single(Rejected(() => PipelineLoader.Load(FileName, bytes, Catalog), DiagnosticCodes.NotText));

        Assert.Equal(new SourceLocation(FileName, 9, 19), diagnostic.Location);
        Assert.Contains("0xC3", diagnostic.Message);
    }

    [Fact]
    public void Five_megabyte_file_is_rejected_before_parsing()
    {
        var bytes = Encoding.UTF8.GetBytes(EchoHead + new string('x', 5 * 1024 * 1024) + "\n");

        var diagnostic = Assert.Single(Rejected(() => PipelineLoader.Load(FileName, bytes, Catalog), DiagnosticCodes.FileTooLarge));

        Assert.Equal(new SourceLocation(FileName, 1, 1), diagnostic.Location);
        Assert.Contains("dataset files", diagnostic.Hint);
    }

    [Fact]
    public void Five_megabyte_file_on_disk_is_rejected_by_load_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pipelines-huge-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, new byte[5 * 1024 * 1024]);
        try
        {
            Rejected(() => PipelineLoader.LoadFile(path, Catalog), DiagnosticCodes.FileTooLarge);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Unreadable_path_is_a_diagnostic()
    {
        Rejected(() => PipelineLoader.LoadFile(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "x.yaml"), Catalog), DiagnosticCodes.UnreadableFile);
        Rejected(() => PipelineLoader.LoadFile(Path.GetTempPath(), Catalog), DiagnosticCodes.UnreadableFile);
    }

    [Fact]
    public void Billion_laughs_stops_at_the_alias_limit()
    {
        var text = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 'b'; level <= 'j'; level++)
        {
            var previous = (char)(level - 1);
            text.Append($"{level}: &{level} [{string.Join(", ", Enumerable.Repeat($"*{previous}", 9))}]\n");
        }

        var diagnostic = Assert.Single(Rejected(() => Load(text.ToString()), DiagnosticCodes.AliasExpansion));

        Assert.Contains("alias", diagnostic.Message);
    }

    [Fact]
    public void Many_small_aliases_stop_at_the_alias_count_limit()
    {
        var text = "x: &x 1\nitems: [" + string.Join(", ", Enumerable.Repeat("*x", 1000)) + "]\n";

        Rejected(() => Load(text), DiagnosticCodes.AliasExpansion);
    }

    [Theory]
    [InlineData("flow sequences")]
    [InlineData("flow mappings")]
    [InlineData("unclosed flow sequences")]
    [InlineData("block sequences")]
    public void Ten_thousand_levels_of_nesting_stop_at_the_depth_limit(string style)
    {
        const int depth = 10_000;
        var text = style switch
        {
            "flow sequences" => new string('[', depth) + new string(']', depth),
            "flow mappings" => string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth),
            "unclosed flow sequences" => new string('[', depth),
            _ => string.Concat(Enumerable.Repeat("- ", depth)) + "x\n",
        };

        Rejected(() => Load(text), DiagnosticCodes.NestingTooDeep);
    }

    [Fact]
    public void Thousand_levels_of_indented_block_mappings_stop_at_the_depth_limit()
    {
        // Indentation grows with depth, so 1,000 levels (about 500 KB) is what fits under the size limit.
        var text = new StringBuilder();
        for (var level = 0; level < 1000; level++) text.Append(' ', level).Append("k:\n");

        Rejected(() => Load(text.ToString()), DiagnosticCodes.NestingTooDeep);
    }

    [Theory]
    [InlineData("block")]
    [InlineData("flow")]
    public void Two_hundred_thousand_nodes_stop_at_the_node_limit(string style)
    {
        var text = style == "block"
            ? "items:\n" + string.Concat(Enumerable.Repeat("- 1\n", 200_000))
            : "[" + string.Join(',', Enumerable.Repeat("1", 200_000)) + "]";

        Rejected(() => Load(text), DiagnosticCodes.TooManyNodes);
    }

    [Fact]
    public void Hundred_kilobyte_single_line_scalar_loads()
    {
        var message = new string('x', 100 * 1024);

        var result = Bounded(() => Load(EchoHead + message + "\n"));

        Assert.True(result.Succeeded, Describe(result.Diagnostics));
        Assert.Equal(message, result.Pipeline!.Steps[0].With[0].Value is LiteralValue { Value: { } value } ? value.GetValue<string>() : null);
    }

    [Fact]
    public void Hundred_kilobyte_expression_is_rejected_by_length()
    {
        var diagnostic = Assert.Single(Rejected(() => Load(EchoHead + "${{ '" + new string('x', 100 * 1024) + "' }}\n"), DiagnosticCodes.ExpressionSyntax));

        Assert.Contains("the limit is 4096", diagnostic.Message);
    }

    [Theory]
    [InlineData(5000)]
    [InlineData(1000)]
    public void Deeply_parenthesised_expression_is_a_syntax_error(int depth)
    {
        Rejected(() => Load(EchoHead + "${{ " + new string('(', depth) + "1" + new string(')', depth) + " }}\n"), DiagnosticCodes.ExpressionSyntax);
    }

    [Theory]
    [InlineData("!", 5000)]
    [InlineData("! ", 1000)]
    [InlineData("-", 1000)]
    [InlineData("typeof ", 500)]
    public void Long_run_of_unary_operators_is_a_syntax_error_or_loads(string op, int count)
    {
        var result = Bounded(() => Load(EchoHead + "${{ " + string.Concat(Enumerable.Repeat(op, count)) + "1 }}\n"));

        Assert.True(result.Succeeded || result.Diagnostics.All(d => d.Code == DiagnosticCodes.ExpressionSyntax), Describe(result.Diagnostics));
    }

    [Theory]
    [InlineData("1+", 2000)]
    [InlineData("1?1:", 1000)]
    [InlineData("x=>", 1300)]
    [InlineData("a&&", 1300)]
    [InlineData("typeof ", 580)]
    [InlineData(".a", 2000)]
    public void Deep_expression_is_rejected_cleanly_even_on_a_small_stack(string piece, int count)
    {
        // Hosts run validation on pool threads and in services with small stacks. The expression stays under the
        // length and bracket limits but still builds a syntax tree ~2,000 levels deep; on a 256 KB stack that must
        // become PL4001 (as it does for `1?1:...`), never an InsufficientExecutionStackException.
        var expression = piece == ".a" ? "params" + string.Concat(Enumerable.Repeat(piece, count)) : string.Concat(Enumerable.Repeat(piece, count)) + "1";
        var text = EchoHead + "${{ " + expression + " }}\n";
        LoadResult? result = null;
        Exception? thrown = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = Load(text);
            }
            catch (Exception e)
            {
                thrown = e;
            }
        }, 256 * 1024);

        thread.Start();
        thread.Join();

        Assert.Null(thrown);
        Assert.NotNull(result);
    }

    [Fact]
    public void Bom_file_loads_from_bytes_and_from_disk()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(File.ReadAllBytes(Path.Combine(PipelinesFolder, "hello.yaml"))).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"pipelines-bom-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, bytes);
        try
        {
            var fromBytes = Bounded(() => PipelineLoader.Load(FileName, bytes, Catalog));
            var fromDisk = Bounded(() => PipelineLoader.LoadFile(path, Catalog));

            Assert.True(fromBytes.Succeeded, Describe(fromBytes.Diagnostics));
            Assert.True(fromDisk.Succeeded, Describe(fromDisk.Diagnostics));
            Assert.Empty(fromBytes.Diagnostics);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Bom_file_mistakes_are_located_as_without_the_bom()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Header + "  a:\n    uses: core.noop@2\n")).ToArray();

        var diagnostic = Assert.Single(Rejected(() => PipelineLoader.Load(FileName, bytes, Catalog), DiagnosticCodes.UnknownActivityVersion));

        Assert.Equal(new SourceLocation(FileName, 7, 11), diagnostic.Location);
    }

    [Fact]
    public void Source_kept_from_a_bom_file_loads_again_as_text()
    {
        // The loader keeps the text it read as the definition's Source (what `publish` stores); reading that text
        // back must give the same pipeline, not "unknown key '\uFEFFapiVersion'".
        var bytes = Encoding.UTF8.GetPreamble().Concat(File.ReadAllBytes(Path.Combine(PipelinesFolder, "hello.yaml"))).ToArray();
        var first = PipelineLoader.Load(FileName, bytes, Catalog);
        Assert.True(first.Succeeded, Describe(first.Diagnostics));

        var again = Bounded(() => PipelineLoader.Load(FileName, first.Pipeline!.Source, Catalog));

        Assert.True(again.Succeeded, Describe(again.Diagnostics));
    }

    [Fact]
    public void Crlf_file_loads()
    {
        foreach (var example in ExampleFiles())
        {
            var text = File.ReadAllText(example).ReplaceLineEndings("\r\n");

            var result = Bounded(() => PipelineLoader.Load(Path.GetFileName(example), text, Catalog));

            Assert.True(result.Succeeded, Describe(result.Diagnostics));
        }
    }

    [Fact]
    public void Crlf_file_mistakes_keep_their_lines_and_columns()
    {
        var text = (Header + "  a:\n    uses: core.echo@1\n    with:\n      mesage: hi\n      message: ${{ params.who }}\n").ReplaceLineEndings("\r\n");

        var result = Bounded(() => Load(text));

        Assert.Equal(
            new[] { $"{FileName}:9:7: PL3004", $"{FileName}:10:27: PL4003" },
            result.Diagnostics.Select(d => $"{d.Location}: {d.Code}"));
    }

    /// <summary>Runs <paramref name="load"/> and asserts it failed with <paramref name="code"/> among its diagnostics.</summary>
    private static IReadOnlyList<Diagnostic> Rejected(Func<LoadResult> load, string code)
    {
        var result = Bounded(load);
        Assert.Null(result.Pipeline);
        Assert.False(result.Succeeded);
        Assert.True(result.Diagnostics.Any(d => d.Code == code), $"expected {code}, got:\n{Describe(result.Diagnostics)}");
        Assert.All(result.Diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1, d.ToString()));
        return result.Diagnostics;
    }

    /// <summary>Runs <paramref name="load"/> under the allocation guard (see <see cref="Generous"/>).</summary>
    private static LoadResult Bounded(Func<LoadResult> load)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = load();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < Generous, $"allocated {allocated / (1024 * 1024):N0} MiB");
        return result;
    }
}
