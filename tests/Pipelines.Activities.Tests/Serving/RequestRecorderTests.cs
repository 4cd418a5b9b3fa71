using Pipelines.Activities.Serving.OpenAi;

namespace Pipelines.Activities.Tests.Serving;

/// <summary>Which requests keep their (redacted) text in the request log: none by default, a stable share otherwise.</summary>
public sealed class RequestRecorderTests
{
    private static readonly string[] Ids = [.. Enumerable.Range(0, 4000).Select(i => $"cmpl-{i:x8}")];

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.1, 0.08, 0.12)]
    [InlineData(0.5, 0.47, 0.53)]
    [InlineData(1.0, 1.0, 1.0)]
    public void The_sampled_share_follows_the_rate(double rate, double low, double high)
    {
        var sampled = Ids.Where(id => RequestRecorder.Sampled(id, rate)).ToList();

        Assert.InRange(sampled.Count / (double)Ids.Length, low, high);
        Assert.Equal(sampled, Ids.Where(id => RequestRecorder.Sampled(id, rate))); // the same ids, every time
        Assert.All(sampled, id => Assert.True(RequestRecorder.Sampled(id, Math.Min(1, rate + 0.1)))); // a higher rate keeps them
    }
}
