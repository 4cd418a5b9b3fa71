using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Persistence;

public sealed class DefinitionDiffTests
{
    private static DefinitionVersion Version(int number, string yaml) =>
        new("email-subjects", number, Hash: "", yaml, DateTimeOffset.UnixEpoch, RetractedAt: null);

    private static string Lines(params string[] lines) => string.Concat(lines.Select(line => line + "\n"));

    [Fact]
    public void Identical_versions_have_an_empty_diff()
    {
        var yaml = Lines("name: email-subjects", "steps: []");

        Assert.Equal("", DefinitionDiff.Unified(Version(1, yaml), Version(2, yaml)));
    }

    [Fact]
    public void A_changed_line_is_shown_with_three_lines_of_context()
    {
        var before = Lines("name: email-subjects", "steps:", "  - id: curate", "    uses: data.curate@1", "    with:", "      min_length: 20", "      max_length: 400", "  - id: train", "    uses: train.lora@1");
        var after = before.Replace("min_length: 20", "min_length: 40", StringComparison.Ordinal);

        Assert.Equal(
            Lines(
                "--- email-subjects@1",
                "+++ email-subjects@2",
                "@@ -3,7 +3,7 @@",
                "   - id: curate",
                "     uses: data.curate@1",
                "     with:",
                "-      min_length: 20",
                "+      min_length: 40",
                "       max_length: 400",
                "   - id: train",
                "     uses: train.lora@1"),
            DefinitionDiff.Unified(Version(1, before), Version(2, after)));
    }

    [Fact]
    public void Distant_changes_get_separate_hunks_and_near_ones_share_a_hunk()
    {
        var before = Lines(Enumerable.Range(1, 20).Select(i => $"line {i}").ToArray());
        var after = before
            .Replace("line 2\n", "line two\n", StringComparison.Ordinal)
            .Replace("line 4\n", "", StringComparison.Ordinal)
            .Replace("line 18\n", "line 18\nline 18.5\n", StringComparison.Ordinal);

        Assert.Equal(
            Lines(
                "--- email-subjects@1",
                "+++ email-subjects@2",
                "@@ -1,7 +1,6 @@",
                " line 1",
                "-line 2",
                "+line two",
                " line 3",
                "-line 4",
                " line 5",
                " line 6",
                " line 7",
                "@@ -16,5 +15,6 @@",
                " line 16",
                " line 17",
                " line 18",
                "+line 18.5",
                " line 19",
                " line 20"),
            DefinitionDiff.Unified(Version(1, before), Version(2, after)));
    }

    [Theory]
    [InlineData(8, "@@ -1,11 +1,11 @@")] // six unchanged lines between: one hunk
    [InlineData(9, "@@ -1,4 +1,4 @@|@@ -6,7 +6,7 @@")] // seven: two hunks, as diff -u splits them
    public void Changes_six_lines_apart_share_a_hunk_and_seven_apart_do_not(int secondChange, string headers)
    {
        var before = Lines(Enumerable.Range(1, 20).Select(i => $"{i}").ToArray());
        var after = Lines(Enumerable.Range(1, 20).Select(i => i == 1 || i == secondChange ? $"{i}x" : $"{i}").ToArray());

        var hunkHeaders = DefinitionDiff.Unified(Version(1, before), Version(2, after))
            .Split('\n')
            .Where(line => line.StartsWith("@@", StringComparison.Ordinal));

        Assert.Equal(headers.Split('|'), hunkHeaders);
    }

    [Fact]
    public void Single_line_and_empty_ranges_are_numbered_like_diff_u()
    {
        Assert.Equal(
            Lines("--- email-subjects@1", "+++ email-subjects@2", "@@ -0,0 +1 @@", "+name: a"),
            DefinitionDiff.Unified(Version(1, ""), Version(2, "name: a\n")));
        Assert.Equal(
            Lines("--- email-subjects@1", "+++ email-subjects@2", "@@ -1 +0,0 @@", "-name: a"),
            DefinitionDiff.Unified(Version(1, "name: a\n"), Version(2, "")));
    }

    [Fact]
    public void A_missing_final_newline_is_marked()
    {
        Assert.Equal(
            Lines("--- email-subjects@1", "+++ email-subjects@2", "@@ -1,2 +1,2 @@", " a: 1", "-b: 2", "\\ No newline at end of file", "+b: 2"),
            DefinitionDiff.Unified(Version(1, "a: 1\nb: 2"), Version(2, "a: 1\nb: 2\n")));
    }

    [Fact]
    public void Line_endings_alone_make_no_difference()
    {
        Assert.Equal("", DefinitionDiff.Unified(Version(1, "a: 1\r\nb: 2\r\n"), Version(2, "a: 1\nb: 2\n")));
    }
}
