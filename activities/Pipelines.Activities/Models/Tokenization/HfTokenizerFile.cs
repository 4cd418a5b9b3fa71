using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>
/// What we read from a Hugging Face <c>tokenizer.json</c>: a BPE model (vocab, merges) with byte-level
/// pre-tokenization (GPT-2, Qwen2, Llama 3 style), the regex that splits words, and the added tokens.
/// SentencePiece-style files (Metaspace, byte fallback) are recognised so the caller can use tokenizer.model instead.
/// </summary>
internal sealed record HfTokenizerFile(
    Dictionary<string, int> Vocabulary,
    List<string> Merges,
    Dictionary<string, int> AddedTokens,
    string Pattern,
    string? TemplateBos)
{
    /// <summary>Parses <paramref name="json"/>; null when it is a well-formed tokenizer.json that is not byte-level BPE, with the reason.</summary>
    public static HfTokenizerFile? Parse(string json, string path, out string? unsupported)
    {
        unsupported = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON ({e.Message})", "save the tokenizer again");
        }

        if (root?["model"] is not JsonObject model) throw new ModelFormatException($"{path} has no \"model\" section", "save the tokenizer again with tokenizers/transformers");
        var type = model["type"]?.GetValue<string>() ?? (model["merges"] is not null ? "BPE" : null);
        if (type != "BPE")
        {
            unsupported = $"its model type is {type ?? "unknown"}, not BPE";
            return null;
        }

        var preTokenizer = root["pre_tokenizer"] as JsonObject;
        var steps = preTokenizer?["type"]?.GetValue<string>() == "Sequence"
            ? (preTokenizer["pretokenizers"] as JsonArray ?? []).OfType<JsonObject>().ToList()
            : preTokenizer is null ? [] : [preTokenizer];
        var byteLevel = steps.FirstOrDefault(s => s["type"]?.GetValue<string>() == "ByteLevel");
        if (byteLevel is null)
        {
            unsupported = "it is not byte-level BPE (SentencePiece-style tokenizer.json files are read through tokenizer.model)";
            return null;
        }

        var split = steps.FirstOrDefault(s => s["type"]?.GetValue<string>() == "Split");
        var pattern = split?["pattern"]?["Regex"]?.GetValue<string>()
            ?? (split?["pattern"]?["String"]?.GetValue<string>() is { } literal ? System.Text.RegularExpressions.Regex.Escape(literal) : null)
            ?? ByteLevel.Gpt2Pattern;

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in model["vocab"] as JsonObject ?? throw new ModelFormatException($"{path}: model.vocab is missing", "save the tokenizer again"))
        {
            vocabulary[token] = id!.GetValue<int>();
        }

        var merges = new List<string>();
        foreach (var merge in model["merges"] as JsonArray ?? [])
        {
            merges.Add(merge switch
            {
                JsonArray pair when pair.Count == 2 => $"{pair[0]!.GetValue<string>()} {pair[1]!.GetValue<string>()}",
                JsonValue value => value.GetValue<string>(),
                _ => throw new ModelFormatException($"{path}: model.merges holds {merge?.ToJsonString()}, not \"a b\" or [\"a\", \"b\"]", "save the tokenizer again"),
            });
        }

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in (root["added_tokens"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (token["content"]?.GetValue<string>() is { } content && token["id"] is { } id) added[content] = id.GetValue<int>();
        }

        // Llama 3 style: the post-processor puts a special token before every sequence.
        var single = root["post_processor"] is JsonObject post
            ? (post["type"]?.GetValue<string>() == "Sequence" ? (post["processors"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => p["type"]?.GetValue<string>() == "TemplateProcessing") : post)?["single"] as JsonArray
            : null;
        var templateBos = single is { Count: > 0 } ? single[0]?["SpecialToken"]?["id"]?.GetValue<string>() : null;

        return new HfTokenizerFile(vocabulary, merges, added, pattern, templateBos);
    }

    /// <summary>
    /// GPT-2's tokenizer.json for a byte-level BPE vocabulary: what <c>tokenizers</c> writes for <c>GPT2TokenizerFast</c>;
    /// with <paramref name="bos"/>, a template post-processor puts that token first (as Llama 3's file does).
    /// </summary>
    public static string Write(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<string> merges, IReadOnlyDictionary<string, int> specialTokens, string? bos = null)
    {
        JsonObject ByteLevelStep(bool addPrefixSpace, bool trimOffsets) => new()
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = addPrefixSpace,
            ["trim_offsets"] = trimOffsets,
            ["use_regex"] = true,
        };

        var vocab = new JsonObject();
        foreach (var (token, id) in vocabulary.Where(v => !specialTokens.ContainsKey(v.Key)).OrderBy(v => v.Value)) vocab[token] = id;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(specialTokens.OrderBy(s => s.Value).Select(s => (JsonNode)new JsonObject
            {
                ["id"] = s.Value,
                ["content"] = s.Key,
                ["single_word"] = false,
                ["lstrip"] = false,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            }).ToArray()),
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevelStep(false, true),
            ["post_processor"] = bos is null ? ByteLevelStep(true, false) : BosTemplate(bos, specialTokens[bos]),
            ["decoder"] = ByteLevelStep(true, true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject BosTemplate(string bos, int id)
    {
        JsonObject Special() => new() { ["SpecialToken"] = new JsonObject { ["id"] = bos, ["type_id"] = 0 } };
        JsonObject Sequence(string name) => new() { ["Sequence"] = new JsonObject { ["id"] = name, ["type_id"] = 0 } };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special(), Sequence("A")),
            ["pair"] = new JsonArray(Special(), Sequence("A"), Special(), Sequence("B")),
            ["special_tokens"] = new JsonObject
            {
                [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(bos) },
            },
        };
    }
}
