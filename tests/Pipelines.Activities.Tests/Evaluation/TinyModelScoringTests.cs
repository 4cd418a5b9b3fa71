using Pipelines.Activities.Evaluation;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Training;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Evaluation;

/// <summary>Generation and scoring with a real tiny Llama: exact match, length and perplexity mean what they say.</summary>
public sealed class TinyModelScoringTests : IDisposable
{
    private static readonly Lazy<(CausalLanguageModel Model, TextTokenizer Tokenizer)> Tiny = new(() => ModelPresets.Create("llama", "tiny", seed: 1));
    private static readonly GenerationOptions Greedy = new() { Greedy = true, MaxNewTokens = 6 };
    private static readonly string[] Prompts = ["reverse abc =", "reverse fedcb =", "Dear friend,", "Thanks for the notes", "reverse aa ="];

    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ModelUnderTest Model() => ModelUnderTest.Wrap(Tiny.Value.Model, Tiny.Value.Tokenizer, "tiny llama");

    [Fact]
    public void Batches_generate_what_each_prompt_generates_alone_in_prompt_order()
    {
        using var model = Model();
        var done = new List<int>();

        var batched = model.Generate(Prompts, Greedy, batchSize: 2, done.Add);
        var alone = Prompts.Select(p => TextGenerator.Generate(model.Model, model.Tokenizer, [p], Greedy)[0]).ToArray();

        Assert.Equal(alone, batched);
        Assert.Equal([2, 4, 5], done);
    }

    [Fact]
    public void Exact_match_is_one_against_the_models_own_predictions_and_length_counts_their_words()
    {
        using var model = Model();
        var predictions = model.Generate(Prompts, Greedy, batchSize: 8);
        var references = predictions.Select((p, i) => i % 2 == 0 ? " " + p + " " : p + " not it").ToArray();

        var samples = SampleScorer.Evaluate(model, Prompts, references, MetricSet.Parse(["exact_match", "length"]), Greedy, batchSize: 8);
        var metrics = CorpusMetrics.Of(samples, MetricSet.Parse(["exact_match", "length"]));

        Assert.Equal(predictions, samples.Select(s => s.Prediction));
        Assert.Equal([true, false, true, false, true], samples.Select(s => s.ExactMatch!.Value));
        Assert.Equal(3 / 5.0, metrics["exact_match"], 12);
        Assert.Equal(predictions.Average(p => p.Split(' ', '\n', '\t').Count(w => w.Length > 0)), metrics["avg_length"], 12);
    }

    [Fact]
    public void Perplexity_is_the_exponential_of_train_loras_validation_loss_on_the_same_records()
    {
        using var model = Model();
        var lines = EvaluationFixtures.ReversalLines(12, seed: 5);
        var path = _folder.Write("reversals.jsonl", lines);
        var records = EvaluationDataset.Load(path);

        var samples = SampleScorer.Evaluate(model, records.Select(r => r.Prompt).ToArray(), records.Select(r => r.Reference).ToArray(),
            MetricSet.Parse(["perplexity"]), Greedy with { MaxNewTokens = 1 }, batchSize: 4);
        var perplexity = CorpusMetrics.Of(samples, MetricSet.Parse(["perplexity"]))["perplexity"];

        var examples = TrainingData.Load(path, model.Tokenizer, model.Model.ContextWindow);
        var validationLoss = FineTuningLoop.Evaluate(model.Model, examples, batchSize: 4, model.Tokenizer.PadId, CPU);
        Assert.Equal(Math.Exp(validationLoss), perplexity, 1e-4);
        Assert.Equal(examples.Select(e => e.ScoredTokens), samples.Select(s => s.Loss!.Tokens));
        // A random model over a 512-token vocabulary: far from certain, far from uniform's 512.
        Assert.InRange(perplexity, 1.5, 2000);
    }

    [Fact]
    public void A_model_folder_with_its_tokenizer_generates_as_the_model_in_memory()
    {
        using var fromFolder = ModelUnderTest.Load(EvaluationFixtures.TinyLlama, adapterDirectory: null);
        using var inMemory = Model();

        Assert.Equal(inMemory.Generate(Prompts, Greedy, 4), fromFolder.Generate(Prompts, Greedy, 4));
    }

    [Fact]
    public void A_prompt_that_fills_the_context_window_is_named()
    {
        using var model = Model();
        var huge = string.Join(' ', Enumerable.Repeat("words", model.Model.ContextWindow));

        var error = Assert.Throws<PromptTooLongException>(() => model.Generate(["short", huge], Greedy, 2));

        Assert.Equal(1, error.Index);
        Assert.Equal(model.Model.ContextWindow, error.ContextWindow);
    }
}
