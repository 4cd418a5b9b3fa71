using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

public sealed class GenerationTests
{
    private static readonly Lazy<(CausalLanguageModel Model, TextTokenizer Tokenizer)> TinyLlama = new(() => ModelPresets.Create("llama", "tiny", seed: 1));
    private static readonly Lazy<(CausalLanguageModel Model, TextTokenizer Tokenizer)> TinyGpt2 = new(() => ModelPresets.Create("gpt2", "tiny", seed: 1));
    private static readonly string[] Prompts = ["Dear friend,", "Thanks for the notes from the meeting this morning. Here", "Hi"];

    public static TheoryData<string> Architectures => new("llama", "gpt2");

    private static (CausalLanguageModel Model, TextTokenizer Tokenizer) Tiny(string architecture) => architecture == "llama" ? TinyLlama.Value : TinyGpt2.Value;

    private static readonly GenerationOptions Greedy = new() { Greedy = true, MaxNewTokens = 12 };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Greedy_generation_is_deterministic_and_only_returns_new_text(string architecture)
    {
        var (model, tokenizer) = Tiny(architecture);

        var first = TextGenerator.Generate(model, tokenizer, ["Dear friend,"], Greedy);
        var second = TextGenerator.Generate(model, tokenizer, ["Dear friend,"], Greedy);

        Assert.Equal(first, second);
        Assert.NotEmpty(first[0]);
        Assert.DoesNotContain("Dear friend,", first[0]);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Decoding_with_the_cache_gives_the_tokens_and_logits_of_full_recomputation(string architecture)
    {
        var (model, tokenizer) = Tiny(architecture);
        var prompt = TextGenerator.PromptIds(tokenizer, Prompts[1]);
        var stop = TextGenerator.StopIds(model, tokenizer);

        var cached = TextGenerator.GenerateIds(model, [prompt], Greedy with { MaxNewTokens = 20 }, stop, tokenizer.PadId);
        var recomputed = TextGenerator.GenerateIds(model, [prompt], Greedy with { MaxNewTokens = 20, UseCache = false }, stop, tokenizer.PadId);
        Assert.Equal(recomputed[0], cached[0]);

        // Logits: a prefill of the prompt, then one token at a time, against one pass over everything.
        using var noGrad = no_grad();
        long[] all = [.. prompt.Select(i => (long)i), .. cached[0].Select(i => (long)i)];
        using var full = model.Forward(TinyModels.Ids(all));
        using var cache = new KvCache(model.LayerCount);
        var steps = new List<Tensor> { model.Forward(TinyModels.Ids(all[..prompt.Length]), cache: cache) };
        for (var i = prompt.Length; i < all.Length; i++) steps.Add(model.Forward(TinyModels.Ids([all[i]]), cache: cache));
        using var incremental = cat(steps, 1);

        Assert.Equal(all.Length, cache.Length);
        Assert.True(TinyModels.MaxDifference(full, incremental) < 1e-5);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_left_padded_batch_generates_what_each_prompt_generates_alone(string architecture)
    {
        var (model, tokenizer) = Tiny(architecture);

        var batched = TextGenerator.Generate(model, tokenizer, Prompts, Greedy);
        var alone = Prompts.Select(p => TextGenerator.Generate(model, tokenizer, [p], Greedy)[0]).ToList();

        Assert.Equal(alone, batched);
    }

    [Fact]
    public void Generation_stops_before_a_stop_sequence_and_after_max_new_tokens()
    {
        var (model, tokenizer) = TinyLlama.Value;
        var free = TextGenerator.Generate(model, tokenizer, [Prompts[0]], Greedy with { MaxNewTokens = 30 })[0];
        var stop = free.Substring(free.Length / 2, 2);

        var stopped = TextGenerator.Generate(model, tokenizer, [Prompts[0]], Greedy with { MaxNewTokens = 30, StopSequences = [stop] })[0];
        var short5 = TextGenerator.GenerateIds(model, [TextGenerator.PromptIds(tokenizer, Prompts[0])], Greedy with { MaxNewTokens = 5 }, TextGenerator.StopIds(model, tokenizer), tokenizer.PadId);

        Assert.Equal(free[..free.IndexOf(stop, StringComparison.Ordinal)], stopped);
        Assert.Equal(5, short5[0].Length);
        Assert.Empty(TextGenerator.Generate(model, tokenizer, [Prompts[0]], Greedy with { MaxNewTokens = 0 })[0]);
    }

    [Fact]
    public void The_end_of_sequence_token_ends_a_row_and_is_not_returned()
    {
        var (model, tokenizer) = TinyGpt2.Value;
        var prompt = TextGenerator.PromptIds(tokenizer, Prompts[0]);
        var free = TextGenerator.GenerateIds(model, [prompt], Greedy, new HashSet<int>(), tokenizer.PadId)[0];

        var stopped = TextGenerator.GenerateIds(model, [prompt], Greedy, new HashSet<int> { free[3] }, tokenizer.PadId)[0];

        Assert.Equal(free[..free.AsSpan().IndexOf(free[3])], stopped);
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        var (model, tokenizer) = TinyLlama.Value;
        var options = new GenerationOptions { MaxNewTokens = 16, Temperature = 1.5, TopK = 50, TopP = 0.95, Seed = 42 };

        var first = TextGenerator.Generate(model, tokenizer, Prompts, options);
        var again = TextGenerator.Generate(model, tokenizer, Prompts, options);
        var other = TextGenerator.Generate(model, tokenizer, Prompts, options with { Seed = 43 });

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        var (model, tokenizer) = TinyGpt2.Value;

        var sampled = TextGenerator.Generate(model, tokenizer, Prompts, new GenerationOptions { MaxNewTokens = 10, TopK = 1, Seed = 5 });

        Assert.Equal(TextGenerator.Generate(model, tokenizer, Prompts, Greedy with { MaxNewTokens = 10 }), sampled);
    }

    [Theory]
    [InlineData(-1, 1.0, 0, 1.0, "max new tokens")]
    [InlineData(5, -0.5, 0, 1.0, "temperature")]
    [InlineData(5, 1.0, -2, 1.0, "top-k")]
    [InlineData(5, 1.0, 0, 0.0, "top-p")]
    public void Invalid_options_are_refused_before_any_work(int maxNew, double temperature, int topK, double topP, string named)
    {
        var (model, tokenizer) = TinyGpt2.Value;
        var options = new GenerationOptions { MaxNewTokens = maxNew, Temperature = temperature, TopK = topK, TopP = topP };

        var error = Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, tokenizer, ["x"], options));

        Assert.StartsWith(named, error.Message);
    }
}
