using System.Text;
using Pipelines.Definitions;
using Pipelines.Diagnostics;
using static Pipelines.Engine.Tests.Validation.TestPipelines;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>
/// Documents whose naive validation is quadratic in their size: thousands of misspelt names, ids so long that each
/// hint listing every step is the size of the file, cycles through thousands of steps, thousands of expressions in one
/// value. The report must stay the size of the limit (100 diagnostics, hints of at most three names) and the work
/// bounded per name looked up. Timing claims belong in bench/; where a test would run for minutes before its fix, a
/// generous timeout makes it fail instead.
/// </summary>
public sealed class ValidationCostTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>Steps s000001.. each needing the unknown q0000NN, one edit away from its own id.</summary>
    private static string UnknownNeeds(int steps) =>
        Header + string.Concat(Enumerable.Range(1, steps).Select(i => $"  s{i:D6}: {{uses: core.noop@1, needs: q{i:D6}}}\n"));

    /// <summary>Steps with 70-character ids (too long: an error each), each needing an unknown step near none of them.</summary>
    private static string LongIds(int steps) =>
        Header + string.Concat(Enumerable.Range(1, steps).Select(i => $"  s{new string('x', 64)}{i:D5}: {{uses: core.noop@1, needs: z{i:D5}}}\n"));

    [Fact]
    public void Five_thousand_unknown_needs_list_the_first_hundred_and_count_the_rest()
    {
        var result = Load(UnknownNeeds(5000));

        Assert.Equal(DiagnosticBag.DefaultLimit, result.Diagnostics.Count);
        Assert.Equal(4900, result.Omitted);
        Assert.Equal(5000, result.ProblemCount);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticCodes.UnknownStep, d.Code));
        // The first ones found, in file order: steps 1 to 100.
        Assert.Equal(Enumerable.Range(6, 100), result.Diagnostics.Select(d => d.Location.Line));
        Assert.Equal("did you mean 's000001'?", result.Diagnostics[0].Hint);
    }

    [Fact]
    public void A_hint_never_lists_every_step()
    {
        // Valid 60-character ids, each step needing an unknown name near none of them.
        var result = Load(Header + string.Concat(Enumerable.Range(1, 4000).Select(i => $"  s{new string('x', 54)}{i:D5}: {{uses: core.noop@1, needs: z{i:D5}}}\n")));

        var hints = result.Diagnostics.Select(d => d.Hint!).ToList();
        Assert.Equal(DiagnosticBag.DefaultLimit, hints.Count);
        Assert.All(hints, hint =>
        {
            Assert.StartsWith("steps are: ", hint, StringComparison.Ordinal);
            Assert.EndsWith("and 3,990 more", hint, StringComparison.Ordinal);
            Assert.Equal(DiagnosticText.MaxListed, hint.Split(", ").Length);
        });
    }

    [Fact]
    public void Equally_near_names_are_suggested_three_at_most()
    {
        var result = LoadWithHeader(string.Concat(Enumerable.Range(1, 9).Select(i => $"  a{i}: {{uses: core.noop@1}}\n")) + "  b: {uses: core.noop@1, needs: a0}\n");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("did you mean 'a1', 'a2' or 'a3'?", diagnostic.Hint);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4000)]
    public void The_report_of_a_hostile_file_stays_the_size_of_the_limit(int steps)
    {
        // Before the limit, 4,000 long ids gave a 1.2 GB report: every hint listed every step.
        var result = Load(LongIds(steps));

        var report = string.Join('\n', result.Diagnostics);
        Assert.True(Encoding.UTF8.GetByteCount(report) < 64 * 1024, $"{report.Length:N0} characters");
        Assert.Equal(2 * steps, result.ProblemCount); // an invalid id and an unknown need per step
    }

    [Fact]
    public void A_lookup_compares_a_bounded_number_of_names_however_many_steps_there_are()
    {
        var before = NearestName.ComparisonsOnThisThread;

        Load(UnknownNeeds(15_000));

        var compared = NearestName.ComparisonsOnThisThread - before;
        Assert.InRange(compared, 1, (long)DiagnosticBag.DefaultLimit * NearestName.MaxComparisons);
    }

    [Fact]
    public void Nearest_name_looks_at_most_its_budget_of_names_of_the_same_length()
    {
        var names = new NearestName(Enumerable.Range(0, 50_000).Select(i => $"n{i:D6}"));
        var before = NearestName.ComparisonsOnThisThread;

        var found = names.Find("n00000x");

        Assert.InRange(NearestName.ComparisonsOnThisThread - before, 1, NearestName.MaxComparisons);
        Assert.Equal(["n000000", "n000001", "n000002"], found);
    }

    [Fact]
    public void Thousands_of_cycles_through_thousands_of_steps_are_each_one_short_line()
    {
        // Every step needs the next and the first: 10,000 cycles, the longest through every step.
        const int steps = 10_000;
        var text = Header + string.Concat(Enumerable.Range(0, steps).Select(i =>
            i < steps - 1 ? $"  s{i:D5}: {{uses: core.noop@1, needs: [s{i + 1:D5}, s00000]}}\n" : $"  s{i:D5}: {{uses: core.noop@1, needs: [s00000]}}\n"));

        var result = Load(text);

        Assert.Equal(steps, result.ProblemCount);
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticCodes.Cycle, d.Code));
        var longest = result.Diagnostics.Max(d => d.Message.Length);
        Assert.True(longest < 200, $"the longest message has {longest:N0} characters");
        Assert.Contains(result.Diagnostics, d => d.Message == "steps form a cycle: s00000 -> s00001 -> s00002 -> s00003 -> s00004 -> … 9,991 more … -> s09996 -> s09997 -> s09998 -> s09999 -> s00000");
    }

    [Fact]
    public async Task Sixty_thousand_expressions_in_one_value_are_located_in_one_pass()
    {
        // Each expression used to be located by counting from the start of the value: minutes for a 1 MiB value.
        const int expressions = 60_000;
        var value = string.Concat(Enumerable.Repeat("${{ params.p }}", expressions - 1)) + "${{ params.q }}";
        var text = Header.Replace("steps:\n", "params:\n  p: {type: string}\nsteps:\n", StringComparison.Ordinal)
                   + $"  a:\n    uses: core.echo@1\n    with:\n      message: \"{value}\"\n";

        var result = await Task.Run(() => Load(text)).WaitAsync(Generous);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnknownParam, diagnostic.Code);
        Assert.Equal(new SourceLocation(FileName, 11, 17 + value.Length - "q }}".Length), diagnostic.Location);
    }
}
