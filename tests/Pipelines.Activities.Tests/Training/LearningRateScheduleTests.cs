using Pipelines.Activities.Training;

namespace Pipelines.Activities.Tests.Training;

public sealed class LearningRateScheduleTests
{
    // Reference points of Hugging Face's get_{cosine,linear,constant}_schedule_with_warmup (lr 1.0, warmup 10, 110 steps).
    [Theory]
    [InlineData("cosine", 0, 0.0)]
    [InlineData("cosine", 5, 0.5)]
    [InlineData("cosine", 10, 1.0)]
    [InlineData("cosine", 60, 0.5)]
    [InlineData("cosine", 35, 0.8535533905932737)]
    [InlineData("cosine", 110, 0.0)]
    [InlineData("linear", 5, 0.5)]
    [InlineData("linear", 60, 0.5)]
    [InlineData("linear", 100, 0.1)]
    [InlineData("linear", 110, 0.0)]
    [InlineData("constant", 3, 0.3)]
    [InlineData("constant", 90, 1.0)]
    public void Rates_follow_hugging_face_schedulers(string kind, int step, double expected)
    {
        var schedule = new LearningRateSchedule(kind, 1.0, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(expected, schedule.RateAt(step), precision: 12);
    }

    [Fact]
    public void Without_warm_up_the_first_step_uses_the_peak_rate()
    {
        Assert.Equal(3e-4, new LearningRateSchedule("cosine", 3e-4, 0, 100).RateAt(0), precision: 15);
    }

    [Fact]
    public void An_unknown_schedule_names_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => new LearningRateSchedule("step", 1, 0, 10).RateAt(1));
        Assert.Contains("cosine, linear or constant", error.Message);
    }
}
