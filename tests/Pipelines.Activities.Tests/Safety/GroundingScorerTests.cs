using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Safety;

namespace Pipelines.Activities.Tests.Safety;

public sealed class GroundingScorerTests
{
    private const string Source = "The quarterly report shows that revenue grew 12 percent in March, while costs stayed flat.";

    [Fact]
    public void The_score_is_the_share_of_distinct_content_words_found_in_the_source()
    {
        var score = GroundingScorer.BuiltIn.Score("Revenue grew 12 percent in April; revenue!", Source);

        // Content words: revenue, grew, 12, percent, april ("in" is a stop word; revenue counts once).
        Assert.Equal(5, score.ContentWords);
        Assert.Equal(4, score.Found);
        Assert.Equal(0.8, score.Value!.Value, 10);
        Assert.Equal(["april"], score.Unsupported);
    }

    [Fact]
    public void An_output_made_of_the_source_scores_1_and_an_unrelated_one_0()
    {
        Assert.Equal(1.0, GroundingScorer.BuiltIn.Score("Costs stayed flat in March.", Source).Value);
        Assert.Equal(0.0, GroundingScorer.BuiltIn.Score("Bananas are yellow.", Source).Value);
    }

    [Fact]
    public void An_output_of_stop_words_only_has_no_score()
    {
        var score = GroundingScorer.BuiltIn.Score("It is what it is.", Source);

        Assert.Equal(0, score.ContentWords);
        Assert.Null(score.Value);
    }

    [Fact]
    public void Words_are_compared_in_lower_case_without_stemming()
    {
        var score = GroundingScorer.BuiltIn.Score("REPORT shows REVENUES", Source);

        Assert.Equal(["revenues"], score.Unsupported); // "report" and "shows" match; "revenues" is not "revenue"
    }

    [Fact]
    public void A_record_is_grounded_in_its_context_when_it_has_one_else_in_its_prompt()
    {
        static EvaluationRecord Record(params (string Key, string Value)[] fields) =>
            new(1, "the prompt", "", fields.Append((Key: "prompt", Value: "the prompt")).ToDictionary(f => f.Key, f => f.Value));

        Assert.Equal("the context", SafetyDataset.GroundingSource(Record(("context", "the context"))));
        Assert.Equal("the prompt", SafetyDataset.GroundingSource(Record()));
        Assert.Equal("the prompt", SafetyDataset.GroundingSource(Record(("context", ""))));
    }
}
