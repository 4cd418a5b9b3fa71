using System.Text;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Models.Export.Gguf;

/// <summary>
/// The tokenizer metadata with which llama.cpp tokenizes as <see cref="TextTokenizer"/> does: byte-level BPE
/// (<c>gpt2</c>) with GPT-2's pre-tokenizer regex (<c>gpt-2</c>), the byte-level token strings and merges of
/// tokenizer.json, special tokens as control tokens, and the BOS/EOS/padding ids.
/// </summary>
internal static class GgufVocabulary
{
    private const int Normal = 1;
    private const int Control = 3;

    public static IReadOnlyList<KeyValuePair<string, object>> Metadata(TextTokenizer tokenizer, int modelVocabSize)
    {
        var json = tokenizer.FileBytes("tokenizer.json")
            ?? throw new ModelFormatException($"a {tokenizer.Format} tokenizer cannot be exported to GGUF", "GGUF export writes byte-level BPE tokenizers saved as tokenizer.json");
        var file = HfTokenizerFile.Parse(Encoding.UTF8.GetString(json), "tokenizer.json", out var unsupported)
            ?? throw new ModelFormatException($"the tokenizer cannot be exported to GGUF: {unsupported}", "GGUF export writes byte-level BPE tokenizers");
        if (file.Pattern != ByteLevel.Gpt2Pattern)
            throw new ModelFormatException("the tokenizer splits words with a regex other than GPT-2's, which GGUF's gpt-2 pre-tokenizer would not reproduce", "export a tokenizer that uses GPT-2's pre-tokenizer");

        var tokens = new string?[tokenizer.VocabSize];
        foreach (var (token, id) in file.Vocabulary.Concat(file.AddedTokens)) tokens[id] = token;
        if (Array.IndexOf(tokens, null) is var missing and >= 0)
            throw new ModelFormatException($"tokenizer.json has no token with id {missing}", "GGUF needs one token for every id; save the tokenizer again");
        if (tokens.Length != modelVocabSize)
            throw new ModelFormatException($"the tokenizer has {tokens.Length} tokens but the model's vocab_size is {modelVocabSize}", "GGUF needs one token per embedding row; export a model whose vocab_size matches its tokenizer");

        return
        [
            new("tokenizer.ggml.model", "gpt2"),
            new("tokenizer.ggml.pre", "gpt-2"),
            new("tokenizer.ggml.tokens", tokens),
            new("tokenizer.ggml.token_type", tokens.Select(t => tokenizer.SpecialTokens.ContainsKey(t!) ? Control : Normal).ToArray()),
            new("tokenizer.ggml.merges", file.Merges.ToArray()),
            new("tokenizer.ggml.bos_token_id", (uint)(tokenizer.BosId ?? tokenizer.EosId)),
            new("tokenizer.ggml.eos_token_id", (uint)tokenizer.EosId),
            new("tokenizer.ggml.padding_token_id", (uint)tokenizer.PadId),
            new("tokenizer.ggml.add_bos_token", tokenizer.AddBos),
            new("tokenizer.ggml.add_eos_token", false),
        ];
    }
}
