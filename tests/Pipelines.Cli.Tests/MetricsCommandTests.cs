using System.Text.Json.Nodes;

namespace Pipelines.Cli.Tests;

/// <summary>
/// <c>pipelines metrics</c> on files. The example is sacrebleu's README example, whose published output the text form
/// reproduces character for character.
/// </summary>
public sealed class MetricsCommandTests : IDisposable
{
    private readonly Workspace _workspace = new();
    private readonly string _predictions;
    private readonly string _references1;
    private readonly string _references2;

    public MetricsCommandTests()
    {
        _predictions = _workspace.Write("predictions.txt", "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
        _references1 = _workspace.Write("references1.txt", "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
        _references2 = _workspace.Write("references2.txt", "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
    }

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task Bleu_prints_sacrebleus_line()
    {
        var result = await Cli.RunAsync("metrics", "bleu", "--references", _references1, _references2, "--predictions", _predictions);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"], result.OutLines);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Bleu_json_has_the_score_and_its_statistics()
    {
        var result = await Cli.RunAsync("metrics", "bleu", "-r", _references1, "-r", _references2, "-p", _predictions, "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(result.Out)!.AsObject();
        Assert.Equal(["score", "precisions", "bp", "ratio", "hyp_len", "ref_len"], json.Select(p => p.Key));
        Assert.True(Math.Abs(json["score"]!.GetValue<double>() - 48.530827) < 1e-6);
        Assert.Equal(4, json["precisions"]!.AsArray().Count);
        Assert.Equal(17, json["hyp_len"]!.GetValue<long>());
        Assert.Equal(18, json["ref_len"]!.GetValue<long>());
    }

    [Fact]
    public async Task Bleu_takes_sacrebleus_tokenizer_and_smoothing()
    {
        var intl = await Cli.RunAsync("metrics", "bleu", "-r", _references1, _references2, "-p", _predictions, "--tokenize", "intl", "--json");
        var floor = await Cli.RunAsync("metrics", "bleu", "-r", _references1, _references2, "-p", _predictions, "--smooth", "floor", "--smooth-value", "0.5");

        Assert.True(Math.Abs(JsonNode.Parse(intl.Out)!["score"]!.GetValue<double>() - 43.91623493) < 1e-6); // sacrebleu test_bleu.py
        Assert.Equal(0, floor.ExitCode);
        Assert.StartsWith("BLEU = 48.53 ", floor.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bleu_sentence_scores_every_segment()
    {
        var result = await Cli.RunAsync("metrics", "bleu", "-r", _references1, _references2, "-p", _predictions, "--sentence", "--json");

        Assert.Equal(0, result.ExitCode);
        var scores = JsonNode.Parse(result.Out)!.AsArray();
        Assert.Equal(3, scores.Count);
        Assert.Equal(100.0, scores[0]!["score"]!.GetValue<double>(), 9);
    }

    [Fact]
    public async Task Chrf_and_chrf_plus_plus()
    {
        var chrf = await Cli.RunAsync("metrics", "chrf", "-r", _references1, _references2, "-p", _predictions);
        var plusPlus = await Cli.RunAsync("metrics", "chrf", "-r", _references1, _references2, "-p", _predictions, "--word-order", "2", "--json");

        Assert.Equal(["chrF2 = 59.73"], chrf.OutLines); // sacrebleu README
        Assert.Equal(0, plusPlus.ExitCode);
        var score = JsonNode.Parse(plusPlus.Out)!.AsObject();
        Assert.Equal(["score"], score.Select(p => p.Key));
        Assert.InRange(score["score"]!.GetValue<double>(), 0, 100);
    }

    [Fact]
    public async Task Rouge_json_averages_each_type_over_segments()
    {
        var predictions = _workspace.Write("p.txt", "testing\ntesting one\n");
        var references = _workspace.Write("r.txt", "testing one two\ntesting one two\n");

        var result = await Cli.RunAsync("metrics", "rouge", "--references", references, "--predictions", predictions, "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonNode.Parse(result.Out)!.AsObject();
        Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum"], json.Select(p => p.Key));
        Assert.Equal(["precision", "recall", "fmeasure"], json["rouge1"]!.AsObject().Select(p => p.Key));
        Assert.Equal(0.5, json["rouge1"]!["recall"]!.GetValue<double>(), 12);
        Assert.Equal((0.5 + 0.8) / 2, json["rouge1"]!["fmeasure"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task Rouge_stem_matches_inflected_words()
    {
        var predictions = _workspace.Write("p.txt", "the friends had a meeting\n");
        var references = _workspace.Write("r.txt", "the friend had a meet\n");

        var plain = await Cli.RunAsync("metrics", "rouge", "-r", references, "-p", predictions);
        var stemmed = await Cli.RunAsync("metrics", "rouge", "-r", references, "-p", predictions, "--stem");

        Assert.Equal("rouge1     P = 0.6000  R = 0.6000  F = 0.6000", plain.OutLines[0]);
        Assert.Equal("rouge1     P = 1.0000  R = 1.0000  F = 1.0000", stemmed.OutLines[0]);
        Assert.Equal(4, stemmed.OutLines.Length);
    }

    [Fact]
    public async Task A_line_count_mismatch_names_both_files_and_their_counts()
    {
        var shorter = _workspace.Write("short.txt", "The dog bit the man.\nIt was not unexpected.\n");

        var result = await Cli.RunAsync("metrics", "bleu", "-r", _references1, shorter, "-p", _predictions);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Contains($"{shorter} has 2 lines but {_predictions} has 3 lines", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_user_error()
    {
        var result = await Cli.RunAsync("metrics", "chrf", "-r", Path.Combine(_workspace.Root, "nope.txt"), "-p", _predictions);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_segment_without_any_reference_is_a_user_error()
    {
        var gaps = _workspace.Write("gaps.txt", "The dog bit the man.\n\nThe man bit him first.\n");

        var result = await Cli.RunAsync("metrics", "bleu", "-r", gaps, "-p", _predictions);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("line 2 is empty in every references file", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bleu", "--tokenize", "spm")]
    [InlineData("bleu", "--smooth", "laplace")]
    [InlineData("chrf", "--word-order", "-1")]
    public async Task Unknown_option_values_are_usage_errors(string metric, string option, string value)
    {
        var result = await Cli.RunAsync("metrics", metric, "-r", _references1, "-p", _predictions, option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task References_and_predictions_are_required()
    {
        var result = await Cli.RunAsync("metrics", "rouge", "-p", _predictions);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--references", result.Error, StringComparison.Ordinal);
    }
}
