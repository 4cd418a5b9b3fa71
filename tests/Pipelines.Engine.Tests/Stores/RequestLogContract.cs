using Pipelines.Monitoring;
using Pipelines.Runtime.Stores;

namespace Pipelines.Engine.Tests.Stores;

/// <summary>The rules of <see cref="IRequestLog"/>, on each store.</summary>
public abstract class RequestLogContract(StoreTarget target) : StoreContract(target)
{
    private static LoggedRequest Request(string id, DateTimeOffset at, string? prompt = "hi", string model = "email-subjects") =>
        new(id, model, $"{model}@production", "production", 3, "int8", at, prompt, prompt is null ? null : "hello", "stop", 12, 4, 0.125, 0.03125);

    [Fact]
    public async Task Requests_read_back_newest_first_since_a_time_and_up_to_a_limit()
    {
        var log = (await OpenAsync()).RequestLog;
        for (var i = 0; i < 5; i++) await log.AppendAsync(Request($"r{i}", Start.AddSeconds(i)), Ct);
        await log.AppendAsync(Request("other", Start, model: "other-model"), Ct);

        var recent = await log.ListAsync("email-subjects", Start.AddSeconds(1), 3, Ct);

        Assert.Equal(["r4", "r3", "r2"], recent.Select(r => r.Id));
        Assert.Equal(Request("r4", Start.AddSeconds(4)), recent[0]);
        Assert.Equal(5, (await log.ListAsync("email-subjects", null, 100, Ct)).Count);
    }

    [Fact]
    public async Task Feedback_fills_in_what_it_gives_and_keeps_the_rest()
    {
        var log = (await OpenAsync()).RequestLog;
        await log.AppendAsync(Request("sampled", Start), Ct);

        Assert.True(await log.RateAsync("sampled", new Feedback(0.25, "too long", null), Ct));
        Assert.True(await log.RateAsync("sampled", new Feedback(null, null, "Re: numbers"), Ct));
        Assert.False(await log.RateAsync("nobody", new Feedback(1, null, null), Ct));

        var read = Assert.Single(await log.ListAsync("email-subjects", null, 10, Ct));
        Assert.Equal((0.25, "too long", "Re: numbers"), (read.Rating, read.Comment, read.Correction));
    }

    [Fact]
    public async Task A_correction_is_kept_only_for_a_request_whose_prompt_was_sampled()
    {
        var log = (await OpenAsync()).RequestLog;
        await log.AppendAsync(Request("unsampled", Start, prompt: null), Ct);

        await log.RateAsync("unsampled", new Feedback(1, "good", "Re: numbers"), Ct);

        var read = Assert.Single(await log.ListAsync("email-subjects", null, 10, Ct));
        Assert.Equal((1.0, "good", null), (read.Rating, read.Comment, read.Correction));
    }
}

public sealed class SqliteRequestLogTests() : RequestLogContract(new SqliteTarget());

public sealed class PostgresRequestLogTests() : RequestLogContract(new PostgresTarget());
