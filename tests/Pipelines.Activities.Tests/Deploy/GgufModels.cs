using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Gguf;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Tokenization;
using Pipelines.Activities.Tests.Models;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>Tiny Llama and GPT-2 models with tokenizers learned from the built-in corpus, and TorchSharp's side of the comparisons with llama.cpp.</summary>
internal static class GgufModels
{
    private static readonly Lazy<TextTokenizer> LlamaTokenizer = new(() => ModelPresets.LearnTokenizer(BuiltInCorpus.Text, 512, addBos: true, 512));
    private static readonly Lazy<TextTokenizer> Gpt2Tokenizer = new(() => ModelPresets.LearnTokenizer(BuiltInCorpus.Text, 512, addBos: false, 512));

    /// <summary>Prompts of mail-like text, code, numbers and punctuation.</summary>
    public static readonly string[] Prompts =
    [
        "Dear team, the quarterly report",
        "Subject: Meeting moved to Thursday",
        "Hi Anna,\nthanks for your note.",
        "The invoice total is 1,250.00 EUR",
        "Please find attached",
        "Best regards,\nJohn",
        "We will ship the order on 12/03/2024 (tracking #88421).",
        "Re: Re: budget",
    ];

    public static TextTokenizer Tokenizer(string architecture) => architecture == "llama" ? LlamaTokenizer.Value : Gpt2Tokenizer.Value;

    /// <summary>The <c>tiny</c> preset of <paramref name="architecture"/>, changed by <paramref name="change"/>, with every weight drawn from a fixed seed.</summary>
    public static (CausalLanguageModel Model, TextTokenizer Tokenizer) Create(string architecture, Func<ModelConfig, ModelConfig>? change = null)
    {
        var tokenizer = Tokenizer(architecture);
        var config = ModelPresets.Config(architecture, "tiny", tokenizer.VocabSize, tokenizer.EosId);
        return (TinyModels.Random(change?.Invoke(config) ?? config, std: 0.2), tokenizer);
    }

    public static int[] PromptIds(TextTokenizer tokenizer, string prompt) => TextGenerator.PromptIds(tokenizer, prompt);

    /// <summary>TorchSharp's greedy continuation of each prompt, never stopping early.</summary>
    public static IReadOnlyList<int[]> Greedy(CausalLanguageModel model, TextTokenizer tokenizer, int newTokens) =>
        TextGenerator.GenerateIds(model, Prompts.Select(p => PromptIds(tokenizer, p)).ToList(), new GenerationOptions { MaxNewTokens = newTokens, Greedy = true }, new HashSet<int>(), tokenizer.PadId);

    /// <summary>TorchSharp's logits of the token after <paramref name="ids"/>.</summary>
    public static float[] NextTokenLogits(CausalLanguageModel model, int[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        return logits[0, -1].data<float>().ToArray();
    }

    public static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    /// <summary>The largest difference, over <see cref="Prompts"/>, between llama.cpp's next-token logits and TorchSharp's.</summary>
    public static double LogitDifference(LlamaCppModel llama, CausalLanguageModel model, TextTokenizer tokenizer) =>
        Prompts.Max(p => MaxDifference(llama.NextTokenLogits(PromptIds(tokenizer, p)), NextTokenLogits(model, PromptIds(tokenizer, p))));
}
