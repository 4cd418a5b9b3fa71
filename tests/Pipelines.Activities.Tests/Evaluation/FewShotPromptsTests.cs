using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Tests.Evaluation;

public sealed class FewShotPromptsTests
{
    private static readonly EvaluationRecord[] Train = Enumerable.Range(1, 20)
        .Select(i => EvaluationFixtures.Record(i, $"reverse w{i} =", $" {i}w")).ToArray();

    private static PromptCandidate Candidate(string template, int shots = 0, string? shotTemplate = null) =>
        new() { Name = "t", Template = template, Shots = shots, ShotTemplate = shotTemplate };

    [Fact]
    public void Shots_never_include_the_record_being_scored_and_follow_the_seed()
    {
        // Validation drawn from the same file as train: each record must not be shown its own answer.
        var samples = Train[..10];

        var first = FewShotPrompts.Draw(samples, Train, shots: 19, seed: 1);
        var again = FewShotPrompts.Draw(samples, Train, shots: 19, seed: 1);
        var other = FewShotPrompts.Draw(samples, Train, shots: 3, seed: 2);

        for (var s = 0; s < samples.Length; s++)
        {
            Assert.DoesNotContain(s, first[s]);
            Assert.Equal(19, first[s].Distinct().Count());
        }

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(d => d[..3]), other);
    }

    [Fact]
    public void A_records_shots_depend_on_its_line_not_on_the_other_samples()
    {
        var alone = FewShotPrompts.Draw([Train[5]], Train, shots: 4, seed: 7);
        var together = FewShotPrompts.Draw(Train[3..8], Train, shots: 4, seed: 7);

        Assert.Equal(alone[0], together[2]);
    }

    [Fact]
    public void Too_few_train_records_is_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() => FewShotPrompts.Draw([Train[0]], Train[..3], shots: 3, seed: 1));

        Assert.Contains("train has 2 records other than dataset line 1, too few for 3 examples", error.Message);
    }

    [Fact]
    public void Shots_go_where_the_template_says_or_before_it()
    {
        var record = EvaluationFixtures.Record(30, "reverse abc =", " cba");
        EvaluationRecord[] shots = [Train[0], Train[1]];

        var placed = FewShotPrompts.Parse(Candidate("Reverse the letters.\n{shots}{prompt}", shots: 2), "{prompt}{completion}\n").Render(record, shots, "t");
        var before = FewShotPrompts.Parse(Candidate("Q: {prompt}", shots: 1, shotTemplate: "Q: {prompt}\nA:{completion}\n\n"), "unused").Render(record, shots, "t");
        var zero = FewShotPrompts.Parse(Candidate("{prompt}"), "{prompt}{completion}\n").Render(record, shots, "t");

        Assert.Equal("Reverse the letters.\nreverse w1 = 1w\nreverse w2 = 2w\nreverse abc =", placed);
        Assert.Equal("Q: reverse w1 =\nA: 1w\n\nQ: reverse abc =", before);
        Assert.Equal("reverse abc =", zero);
    }

    [Fact]
    public void A_template_may_not_read_the_answer_and_must_be_well_formed()
    {
        Assert.Contains("reads {completion}", Assert.Throws<ArgumentException>(() => FewShotPrompts.Parse(Candidate("{prompt}{completion}"), "")).Message);
        Assert.Contains("template 't'", Assert.Throws<ArgumentException>(() => FewShotPrompts.Parse(Candidate("{prompt"), "")).Message);
        var record = EvaluationFixtures.Record(3, "p", "c");
        var error = Assert.Throws<ArgumentException>(() => FewShotPrompts.Parse(Candidate("{subject}: {prompt}"), "").Render(record, [], "t"));
        Assert.Contains("dataset line 3 has no field 'subject'", error.Message);
    }
}
