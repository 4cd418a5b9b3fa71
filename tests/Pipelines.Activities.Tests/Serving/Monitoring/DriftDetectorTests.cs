using System.Text.Json;
using Pipelines.Activities.Models;
using Pipelines.Activities.Serving.Monitoring;
using Pipelines.Activities.Tests.Models;

namespace Pipelines.Activities.Tests.Serving.Monitoring;

public sealed class DriftDetectorTests : IDisposable
{
    private static readonly string[] Words =
        "meeting budget report project schedule review team client invoice update deadline agenda lunch office call friday monday plan draft notes"
            .Split(' ');

    private readonly TinyModels.TempFolder _folder = new();
    private readonly TextTokenizer _tokenizer = ModelPresets.LearnTokenizer(string.Join(' ', Words) + " " + string.Join(' ', Words), 256 + 80, false, 1024);
    private readonly string _dataset;
    private readonly List<string> _prompts;

    public DriftDetectorTests()
    {
        _prompts = Prompts(new Random(1), 2000, 5, 30);
        _dataset = _folder.Sub("train.jsonl");
        File.WriteAllLines(_dataset, _prompts.Select(p => JsonSerializer.Serialize(new { prompt = p, completion = "Re: " + p[..10] })));
    }

    [Fact]
    public void A_window_drawn_from_the_training_data_reports_ok()
    {
        var reference = ReferenceProfile.FromDataset(_dataset, _tokenizer);
        var random = new Random(2);
        var window = Enumerable.Range(0, 500).Select(_ => LiveSample.Of(_prompts[random.Next(_prompts.Count)], _tokenizer));

        var report = DriftDetector.Compare(reference, window);

        Assert.Equal(500, report.Samples);
        Assert.All(report.Features, f => Assert.Equal(DriftStatus.Ok, f.Status));
        Assert.InRange(report.PromptLength.Value, 0, DriftThresholds.PsiWarn);
        Assert.InRange(report.PromptLengthWasserstein, 0, 2);
    }

    [Fact]
    public void A_window_of_very_long_prompts_drifts_on_prompt_length()
    {
        var reference = ReferenceProfile.FromDataset(_dataset, _tokenizer);
        var window = Prompts(new Random(3), 200, 200, 300).Select(p => LiveSample.Of(p, _tokenizer));

        var report = DriftDetector.Compare(reference, window);

        Assert.Equal(DriftStatus.Drift, report.PromptLength.Status);
        Assert.True(report.PromptLength.Value > DriftThresholds.PsiDrift, $"PSI {report.PromptLength.Value}");
        Assert.True(report.PromptLengthWasserstein > 100, $"W1 {report.PromptLengthWasserstein} tokens");
        Assert.Equal(DriftStatus.Drift, report.Status);
    }

    [Fact]
    public void Prompts_in_another_script_drift_on_tokens_unknown_rate_and_non_ascii_share()
    {
        var reference = ReferenceProfile.FromDataset(_dataset, _tokenizer);
        var window = Enumerable.Range(0, 300).Select(i => LiveSample.Of($"Συνάντηση για τον προϋπολογισμό {i} την Παρασκευή", _tokenizer));

        var report = DriftDetector.Compare(reference, window);

        Assert.Equal(DriftStatus.Drift, report.TokenDistribution.Status);
        Assert.Equal(DriftStatus.Drift, report.UnknownTokenRate.Status);
        Assert.True(report.UnknownTokenRateDifference > 0.5, $"difference {report.UnknownTokenRateDifference}");
        Assert.Equal(DriftStatus.Drift, report.NonAsciiShare.Status);
        Assert.True(report.NonAsciiShareDifference > 0.5, $"difference {report.NonAsciiShareDifference}");
    }

    [Fact]
    public void The_profile_has_decile_bins_and_a_deterministic_json_that_reads_back()
    {
        var reference = ReferenceProfile.FromDataset(_dataset, _tokenizer);

        Assert.Equal(2000, reference.Prompts);
        Assert.Equal(reference.PromptLengthBounds.Length + 1, reference.PromptLengthShares.Length);
        Assert.True(reference.PromptLengthBounds.Length >= 5, $"{reference.PromptLengthBounds.Length} bins");
        Assert.All(reference.PromptLengthShares, s => Assert.InRange(s, 0, 0.2));
        Assert.Equal(1, reference.TokenShares.Sum(), 9);

        // The data uses fewer distinct tokens than the default keeps; ten leave some to the "other" bucket.
        var top10 = ReferenceProfile.FromDataset(_dataset, _tokenizer, topTokens: 10);
        Assert.Equal(10, top10.TopTokens.Length);
        Assert.Equal(top10.TokenShares[..10].OrderDescending(), top10.TokenShares[..10]);
        Assert.InRange(top10.UnknownTokenRate, 0.01, 0.99);
        Assert.Equal(1 - top10.TokenShares[..10].Sum(), top10.UnknownTokenRate, 9);
        Assert.Equal(reference.ToJson(), ReferenceProfile.FromDataset(_dataset, _tokenizer).ToJson());
        Assert.Equal(reference.ToJson(), ReferenceProfile.FromJson(reference.ToJson(), "profile.json").ToJson());
    }

    [Fact]
    public void A_profile_whose_bins_do_not_match_is_refused_naming_its_file()
    {
        var json = ReferenceProfile.FromDataset(_dataset, _tokenizer).ToJson().Replace("\"top_tokens\": [", "\"top_tokens\": [99999,", StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => ReferenceProfile.FromJson(json, "profile.json"));
        Assert.StartsWith("profile.json:", error.Message);
    }

    [Fact]
    public void An_empty_window_is_refused()
    {
        var reference = ReferenceProfile.FromDataset(_dataset, _tokenizer);

        Assert.Throws<ArgumentException>(() => DriftDetector.Compare(reference, []));
    }

    public void Dispose() => _folder.Dispose();

    private static List<string> Prompts(Random random, int count, int minWords, int maxWords) =>
        Enumerable.Range(0, count)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(minWords, maxWords + 1)).Select(_ => Words[random.Next(Words.Length)])))
            .ToList();
}
