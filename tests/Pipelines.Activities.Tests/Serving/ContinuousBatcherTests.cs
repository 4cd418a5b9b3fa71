using Pipelines.Activities.Serving;

namespace Pipelines.Activities.Tests.Serving;

/// <summary>
/// Continuous batching on tiny exported models: requests joining and leaving at different steps get the greedy tokens
/// they get alone, seeded sampling ignores its batch company, stops, a full queue, cancellation and deadlines end
/// requests as a client would see, and decode steps really run several sequences at once.
/// </summary>
public sealed class ContinuousBatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Prompts of 9, 1, 5, 7, 2, 3, 17 and 4 tokens, each different, all inside the tiny vocabulary.</summary>
    private static readonly int[][] Prompts = new[] { 9, 1, 5, 7, 2, 3, 17, 4 }
        .Select((length, p) => Enumerable.Range(0, length).Select(i => (p * 61 + i * 37 + 11) % 500).ToArray()).ToArray();

    private static readonly int[] MaxTokens = [40, 3, 17, 25, 9, 31, 12, 20];

    public static TheoryData<string> Architectures => new() { "llama", "gpt2" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task Greedy_tokens_are_those_of_each_request_alone_whoever_joins_or_leaves(string architecture)
    {
        using var served = new ServedModel(architecture);
        using var batcher = served.Batcher(maxBatchSize: 3);
        // Five wait before the loop starts (three run, two join as places free); three more arrive mid-run.
        var responses = Prompts.Take(5).Select((p, i) => Submit(batcher, Greedy(p, MaxTokens[i]))).ToList();
        batcher.Start();
        await responses[1].Completion.WaitAsync(Patience);
        responses.AddRange(Prompts.Skip(5).Select((p, i) => Submit(batcher, Greedy(p, MaxTokens[5 + i]))));

        for (var i = 0; i < Prompts.Length; i++)
        {
            var result = await responses[i].Completion.WaitAsync(Patience);
            var alone = served.Greedy(Prompts[i], MaxTokens[i]);
            Assert.Equal(alone, result.TokenIds);
            Assert.Equal(alone.Length == MaxTokens[i] ? FinishReason.Length : FinishReason.Stop, result.FinishReason);
            Assert.Equal(Prompts[i].Length, result.PromptTokens);
            Assert.Equal(served.Tokenizer.Decode(alone), result.Text);
            Assert.Equal(alone, await Streamed(responses[i]).Select(t => t.Id).Where(id => id >= 0).ToArrayAsync());
        }

        var passes = batcher.ForwardPasses;
        Assert.Equal(Prompts.Length, passes.Where(p => p.Prefill).Sum(p => p.BatchSize));
        Assert.All(passes.Take(3), p => Assert.Equal(new ForwardPass(Prefill: true, 1), p)); // the first three join together, each prompt in a pass of its own
        Assert.Contains(passes, p => !p.Prefill && p.BatchSize == 3);
        Assert.All(passes, p => Assert.InRange(p.BatchSize, 1, 3));
    }

    [Fact]
    public async Task Seeded_sampling_gives_the_same_tokens_whatever_shares_the_batch()
    {
        using var served = new ServedModel("llama");
        var sampled = new ServingRequest { Prompt = Prompts[0], MaxTokens = 24, Temperature = 0.9, TopP = 0.95, Seed = 7 };

        using var alone = served.Batcher();
        var first = Submit(alone, sampled);
        alone.Start();
        var expected = (await first.Completion.WaitAsync(Patience)).TokenIds;

        using var crowded = served.Batcher();
        var company = Prompts.Skip(1).Take(3).Select((p, i) => Submit(crowded, sampled with { Prompt = p, Seed = 100 + i })).ToList();
        var again = Submit(crowded, sampled);
        var otherSeed = Submit(crowded, sampled with { Seed = 8 });
        crowded.Start();

        Assert.Equal(expected, (await again.Completion.WaitAsync(Patience)).TokenIds);
        Assert.NotEqual(expected, (await otherSeed.Completion.WaitAsync(Patience)).TokenIds);
        await Task.WhenAll(company.Select(c => c.Completion)).WaitAsync(Patience);
        Assert.Contains(crowded.ForwardPasses, p => !p.Prefill && p.BatchSize == 4);
    }

    [Fact]
    public async Task Stop_ids_and_stop_strings_end_a_sequence_with_stop_and_never_stream_the_stop()
    {
        using var served = new ServedModel("llama");
        var prompt = Prompts[3];
        var alone = served.Greedy(prompt, 30);
        var stopAt = alone.Length / 2;
        var text = served.Tokenizer.Decode(alone);
        var stop = text.Substring(text.Length / 2, 2);

        using var batcher = served.Batcher();
        var byId = Submit(batcher, Greedy(prompt, 30) with { StopIds = new HashSet<int> { alone[stopAt] } });
        var byText = Submit(batcher, Greedy(prompt, 30) with { StopStrings = ["never appears \u0001", stop] });
        batcher.Start();

        var idResult = await byId.Completion.WaitAsync(Patience);
        Assert.Equal(FinishReason.Stop, idResult.FinishReason);
        Assert.Equal(alone[..Array.IndexOf(alone, alone[stopAt])], idResult.TokenIds);

        var textResult = await byText.Completion.WaitAsync(Patience);
        Assert.Equal(FinishReason.Stop, textResult.FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], textResult.Text);
        var streamed = string.Concat(await Streamed(byText).Select(t => t.TextDelta).ToArrayAsync());
        Assert.Equal(textResult.Text, streamed);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_a_retry_after_and_accepts_again_once_it_drains()
    {
        using var served = new ServedModel("llama");
        using var batcher = served.Batcher(maxBatchSize: 1, maxWaiting: 2);
        var accepted = new[] { batcher.Submit(Greedy(Prompts[0], 4)), batcher.Submit(Greedy(Prompts[1], 4)) };
        var refused = batcher.Submit(Greedy(Prompts[2], 4));

        Assert.All(accepted, a => Assert.True(a.Accepted));
        Assert.False(refused.Accepted);
        Assert.Null(refused.Response);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After {refused.RetryAfter}");
        Assert.Equal(2, batcher.Waiting);

        batcher.Start();
        await Task.WhenAll(accepted.Select(a => a.Response!.Completion)).WaitAsync(Patience);
        var later = batcher.Submit(Greedy(Prompts[2], 4));
        Assert.True(later.Accepted);
        Assert.Equal(served.Greedy(Prompts[2], 4), (await later.Response!.Completion.WaitAsync(Patience)).TokenIds);
    }

    [Fact]
    public async Task Cancellation_and_deadline_end_their_sequence_at_a_token_boundary_and_the_others_continue_unchanged()
    {
        using var served = new ServedModel("llama");
        var clock = new TickingClock();
        using var batcher = served.Batcher(clock: clock);
        using var disconnect = new CancellationTokenSource();
        var cancelled = Submit(batcher, Greedy(Prompts[0], 40), disconnect.Token);
        var expiring = Submit(batcher, Greedy(Prompts[2], 40) with { Deadline = TickingClock.Start.AddMilliseconds(20) });
        var others = new[] { Submit(batcher, Greedy(Prompts[3], 40)), Submit(batcher, Greedy(Prompts[4], 40)) };
        clock.At(TickingClock.Start.AddMilliseconds(30), disconnect.Cancel);
        batcher.Start();

        var cancelledResult = await cancelled.Completion.WaitAsync(Patience);
        Assert.Equal(FinishReason.Cancelled, cancelledResult.FinishReason);
        Assert.InRange(cancelledResult.CompletionTokens, 1, 39);
        Assert.Equal(served.Greedy(Prompts[0], 40)[..cancelledResult.CompletionTokens], cancelledResult.TokenIds);

        var expired = await expiring.Completion.WaitAsync(Patience);
        Assert.Equal(FinishReason.Deadline, expired.FinishReason);
        Assert.InRange(expired.CompletionTokens, 1, cancelledResult.CompletionTokens - 1);
        Assert.True(expired.Timings.Finished >= TickingClock.Start.AddMilliseconds(20));
        Assert.Equal(served.Greedy(Prompts[2], 40)[..expired.CompletionTokens], expired.TokenIds);

        foreach (var (response, prompt) in others.Zip([Prompts[3], Prompts[4]]))
        {
            var result = await response.Completion.WaitAsync(Patience);
            Assert.Equal(served.Greedy(prompt, 40), result.TokenIds);
            Assert.Equal(result.CompletionTokens, result.Timings.Tokens.Count);
            Assert.True(result.Timings.QueueTime > TimeSpan.Zero);
            Assert.True(result.Timings.TimeToFirstToken > result.Timings.QueueTime);
            Assert.All(result.Timings.TimesPerOutputToken, t => Assert.True(t > TimeSpan.Zero));
        }

        // The expired and cancelled sequences left the batch (and their caches with them): the last steps run two.
        var decodes = batcher.ForwardPasses.Where(p => !p.Prefill).Select(p => p.BatchSize).ToList();
        Assert.Equal(4, decodes[0]);
        Assert.Equal(2, decodes[^1]);
    }

    [Fact]
    public async Task A_request_cancelled_while_waiting_leaves_the_queue_at_once_and_frees_its_place()
    {
        using var served = new ServedModel("llama");
        var clock = new TickingClock();
        using var batcher = served.Batcher(maxBatchSize: 1, maxWaiting: 2, clock: clock);
        using var disconnect = new CancellationTokenSource();
        var running = Submit(batcher, Greedy(Prompts[0], 40));
        var waiting = Submit(batcher, Greedy(Prompts[1], 40), disconnect.Token);
        Assert.False(batcher.Submit(Greedy(Prompts[2], 4)).Accepted);
        clock.At(TickingClock.Start.AddMilliseconds(10), disconnect.Cancel);
        batcher.Start();

        var gaveUp = await waiting.Completion.WaitAsync(Patience);
        Assert.Equal(FinishReason.Cancelled, gaveUp.FinishReason);
        Assert.Empty(gaveUp.TokenIds);
        Assert.Null(gaveUp.Timings.Started);
        var finished = await running.Completion.WaitAsync(Patience);
        Assert.True(gaveUp.Timings.Finished < finished.Timings.Finished, "the cancelled request waited for the running one to end");
        Assert.Equal(served.Greedy(Prompts[0], 40), finished.TokenIds);
        Assert.Equal(0, batcher.Waiting);
    }

    [Fact]
    public async Task Disposing_ends_held_requests_as_cancelled_and_refuses_new_ones()
    {
        using var served = new ServedModel("gpt2");
        var batcher = served.Batcher();
        var waiting = Submit(batcher, Greedy(Prompts[0], 8));
        batcher.Dispose();

        Assert.Equal(FinishReason.Cancelled, (await waiting.Completion.WaitAsync(Patience)).FinishReason);
        Assert.Throws<ObjectDisposedException>(() => batcher.Submit(Greedy(Prompts[1], 8)));
    }

    [Fact]
    public async Task A_fault_in_the_loop_fails_every_held_request_with_the_cause_and_refuses_new_ones()
    {
        using var served = new ServedModel("llama");
        var clock = new TickingClock();
        using var batcher = served.Batcher(maxBatchSize: 1, clock: clock);
        var running = Submit(batcher, Greedy(Prompts[0], 40));
        var waiting = Submit(batcher, Greedy(Prompts[1], 40));
        clock.At(TickingClock.Start.AddMilliseconds(10), () => throw new InvalidOperationException("the clock broke"));
        batcher.Start();

        foreach (var response in new[] { running, waiting })
        {
            var fault = await Assert.ThrowsAsync<ServingFaultException>(() => response.Completion.WaitAsync(Patience));
            Assert.Equal("the clock broke", fault.InnerException?.Message);
            await Assert.ThrowsAsync<ServingFaultException>(async () => await Streamed(response).ToArrayAsync());
        }

        Assert.Contains("the clock broke", Assert.Throws<ServingFaultException>(() => batcher.Submit(Greedy(Prompts[2], 4))).Message);
    }

    [Fact]
    public void Settings_for_an_export_take_its_context_window()
    {
        using var served = new ServedModel("gpt2");

        Assert.Equal(served.ContextWindow, ContinuousBatcherOptions.ForExport(served.Directory).ContextWindow);
        Assert.Throws<Pipelines.Activities.Models.ModelFormatException>(() => ContinuousBatcherOptions.ForExport(Path.GetTempPath()));
    }

    [Fact]
    public void A_prompt_the_model_cannot_run_is_refused_with_the_reason()
    {
        using var served = new ServedModel("llama");
        using var batcher = served.Batcher();

        Assert.Contains("context window", Assert.Throws<ArgumentException>(() => batcher.Submit(Greedy(new int[served.ContextWindow], 4))).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => batcher.Submit(Greedy([1, 100_000], 4))).Message);
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(() => batcher.Submit(Greedy([1], 0))).Message);
    }

    private static ServingRequest Greedy(int[] prompt, int maxTokens) => new() { Prompt = prompt, MaxTokens = maxTokens, Temperature = 0 };

    private static ServingResponse Submit(ContinuousBatcher batcher, ServingRequest request, CancellationToken cancelled = default)
    {
        var submission = batcher.Submit(request, cancelled);
        Assert.True(submission.Accepted);
        return submission.Response!;
    }

    private static IAsyncEnumerable<GeneratedToken> Streamed(ServingResponse response) => response.Tokens.ReadAllAsync();
}
