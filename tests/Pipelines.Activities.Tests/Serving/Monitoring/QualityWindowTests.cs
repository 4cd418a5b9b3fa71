using Pipelines.Activities.Safety;
using Pipelines.Activities.Serving;
using Pipelines.Activities.Serving.Monitoring;

namespace Pipelines.Activities.Tests.Serving.Monitoring;

public sealed class QualityWindowTests
{
    [Fact]
    public void Toxic_leaking_empty_and_truncated_outputs_are_each_counted()
    {
        ServedExchange[] window =
        [
            new("That is bullshit.", FinishReason.Stop, 4, Rating: 1),
            new("Write to jane.doe@example.com for details.", FinishReason.Stop, 10),
            new("  ", FinishReason.Stop, 0, Rating: 4),
            new("Meeting moved to Tuesday at ten, and the agenda", FinishReason.Length, 12),
            new("Quarterly report attached.", FinishReason.Stop, 6),
        ];

        var quality = QualityWindow.Measure(window);

        Assert.Equal(5, quality.Requests);
        Assert.Equal(0.2, quality.ToxicOutputRate, 12);
        Assert.Equal(0.2, quality.PiiLeakRate, 12);
        Assert.Equal(0.2, quality.EmptyOutputRate, 12);
        Assert.Equal(0.2, quality.TruncatedOutputRate, 12);
        Assert.Equal((4 + 10 + 0 + 12 + 6) / 5.0, quality.MeanOutputTokens, 12);
        Assert.Equal(2, quality.Ratings);
        Assert.Equal(2.5, quality.MeanRating);
    }

    [Fact]
    public void A_clean_window_without_feedback_has_zero_rates_and_no_mean_rating()
    {
        var quality = QualityWindow.Measure([new ServedExchange("Lunch on Friday?", FinishReason.Stop, 5)]);

        Assert.Equal(0, quality.ToxicOutputRate + quality.PiiLeakRate + quality.EmptyOutputRate + quality.TruncatedOutputRate);
        Assert.Equal(0, quality.Ratings);
        Assert.Null(quality.MeanRating);
    }

    [Fact]
    public void A_custom_word_list_replaces_the_vendored_one()
    {
        var quality = QualityWindow.Measure([new ServedExchange("gosh, lunch", FinishReason.Stop, 3)], new WordListMatcher(["gosh"]));

        Assert.Equal(1, quality.ToxicOutputRate);
    }
}
