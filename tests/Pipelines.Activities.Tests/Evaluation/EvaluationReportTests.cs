using System.Text.Json.Nodes;
using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Tests.Evaluation;

public sealed class EvaluationReportTests
{
    private static readonly MetricSet Scoring = MetricSet.Parse(["rouge", "bleu", "chrf", "exact_match", "length"]);

    private static EvaluatedSystem System(string name, IReadOnlyList<string> predictions, IReadOnlyList<EvaluationRecord> records)
    {
        var samples = SampleScorer.Score(predictions, records.Select(r => r.Reference).ToArray(), Scoring);
        return new EvaluatedSystem(name, samples, CorpusMetrics.Of(samples, Scoring));
    }

    private static readonly EvaluationRecord[] Records =
    [
        EvaluationFixtures.Record(1, "Summarise: <script>alert('x')</script>", "the meeting moved to friday"),
        EvaluationFixtures.Record(2, "Subject for: rates & fees", "new rates and fees"),
        EvaluationFixtures.Record(3, "Subject for: lunch", "lunch on monday"),
        EvaluationFixtures.Record(4, "Subject for: the <b>launch</b>", "launch day is here"),
    ];

    private static readonly string[] ModelPredictions =
    [
        "the meeting moved to friday",  // perfect: the best
        "new rates and fees",
        "lunch <i>maybe</i>",
        "nothing like it at all",       // no overlap: the worst
    ];

    private static EvaluationReport Report(bool withBaseline, int cases = 1)
    {
        var model = System("model", ModelPredictions, Records);
        var baseline = withBaseline ? System("baseline", ["meeting", "rates", "lunch", "day"], Records) : null;
        return new EvaluationReport
        {
            Title = "Evaluation report",
            Settings = [new("model", "models/<tiny>")],
            Records = Records,
            Model = model,
            Baseline = baseline,
            Delta = baseline is null ? null : PairedBootstrap.Compare(Records.Length, i => CorpusMetrics.Of(model.Samples, Scoring, i), i => CorpusMetrics.Of(baseline.Samples, Scoring, i)),
            Cases = cases,
        };
    }

    private static string Section(string html, string id)
    {
        var start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        return html[start..html.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void The_best_and_worst_sections_show_the_best_and_worst_samples_by_rougeL()
    {
        var report = Report(withBaseline: false);
        var html = report.ToHtml();

        Assert.Equal("rougeL", report.RankedBy);
        var (bestIndices, worstIndices) = report.Extremes();
        Assert.Equal([0], bestIndices);
        Assert.Equal([3], worstIndices);
        var best = Section(html, "best");
        var worst = Section(html, "worst");
        Assert.Contains("the meeting moved to friday", best);
        Assert.DoesNotContain("nothing like it at all", best);
        Assert.Contains("nothing like it at all", worst);
        Assert.Contains("Subject for: the &lt;b&gt;launch&lt;/b&gt;", worst);
        Assert.DoesNotContain("the meeting moved to friday", worst);
    }

    [Fact]
    public void Ties_on_rougeL_are_broken_by_chrf()
    {
        // Single words: rougeL is 0 for every sample, chrF still tells the near misses from the rest.
        EvaluationRecord[] records = [EvaluationFixtures.Record(1, "a", "abcdef"), EvaluationFixtures.Record(2, "b", "abcdef"), EvaluationFixtures.Record(3, "c", "abcdef")];
        var model = System("model", ["xyz", "abcdeg", "zzzz"], records);
        var report = new EvaluationReport { Title = "t", Records = records, Model = model, Cases = 1 };

        var (best, worst) = report.Extremes();

        Assert.All(model.Samples, s => Assert.Equal(0, s.Values()["rougeL"]));
        Assert.Equal([1], best);
        Assert.Contains("Ties are broken by chrf, then bleu, then exact_match.", report.ToHtml());
        Assert.Equal([0], worst); // "xyz" and "zzzz" share no character with the reference: a full tie, so sample order
    }

    [Fact]
    public void Texts_from_the_data_are_escaped()
    {
        var html = Report(withBaseline: true, cases: 4).ToHtml();

        Assert.Contains("Summarise: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html);
        Assert.Contains("rates &amp; fees", html);
        Assert.Contains("lunch &lt;i&gt;maybe&lt;/i&gt;", html);
        Assert.Contains("models/&lt;tiny&gt;", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<i>", html);
        Assert.DoesNotContain("<b>", html);
    }

    [Fact]
    public void With_a_baseline_the_table_shows_both_systems_the_difference_and_its_interval_and_a_chart()
    {
        var html = Report(withBaseline: true).ToHtml();

        var metrics = Section(html, "metrics");
        Assert.Contains("<th>baseline</th><th>difference</th><th>95% interval</th>", metrics);
        Assert.Contains("<tr><th>rougeL</th>", metrics);
        Assert.Contains("<th>baseline prediction</th>", Section(html, "best"));
        var chart = Section(html, "chart");
        Assert.Contains("<svg", chart);
        Assert.Contains("baseline", chart);
        Assert.Contains("rougeL", chart);
    }

    [Fact]
    public void Without_a_baseline_there_are_no_comparison_columns_and_the_same_report_gives_the_same_bytes()
    {
        var html = Report(withBaseline: false).ToHtml();

        Assert.DoesNotContain("difference", Section(html, "metrics"));
        Assert.DoesNotContain("baseline prediction", html);
        Assert.Equal(html, Report(withBaseline: false).ToHtml());
    }

    [Fact]
    public void Predictions_file_has_one_json_line_per_sample_with_scores()
    {
        var report = Report(withBaseline: true);

        var lines = PredictionsFile.Write(report.Records, report.Model, report.Baseline).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal(1, (int)first["line"]!);
        Assert.Equal("the meeting moved to friday", (string?)first["prediction"]);
        Assert.Equal("meeting", (string?)first["baseline_prediction"]);
        Assert.Equal(1.0, (double)first["scores"]!["rougeL"]!);
        Assert.Equal(1.0, (double)first["scores"]!["exact_match"]!);
    }
}
