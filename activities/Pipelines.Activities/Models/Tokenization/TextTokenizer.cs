using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Models;

/// <summary>
/// The tokenizer of a model folder, read with Microsoft.ML.Tokenizers from whichever Hugging Face files it has, in
/// this order: <c>tokenizer.json</c> (byte-level BPE: GPT-2, Qwen2, Llama 3), <c>vocab.json</c> + <c>merges.txt</c>
/// (GPT-2), <c>tokenizer.model</c> (SentencePiece, Llama 1/2 and Mistral). Special tokens come from
/// <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c>, then config.json's ids, then well-known names.
/// Saving writes the files it was read from, byte for byte.
/// </summary>
public sealed class TextTokenizer
{
    private static readonly string[] TokenizerFiles =
        ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "chat_template.jinja"];

    private static readonly string[] WellKnownEos = ["<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>", "<eos>"];
    private static readonly string[] WellKnownBos = ["<s>", "<|begin_of_text|>", "<bos>"];

    private readonly Tokenizer _tokenizer;
    private readonly IReadOnlyDictionary<string, byte[]> _files;

    private TextTokenizer(Tokenizer tokenizer, string format, IReadOnlyDictionary<string, byte[]> files, int vocabSize,
        IReadOnlyDictionary<string, int> specialTokens, IReadOnlyDictionary<string, string> namedTokens, int eosId, int? bosId, int? padId, bool addBos)
    {
        NamedTokens = namedTokens;
        _tokenizer = tokenizer;
        _files = files;
        Format = format;
        VocabSize = vocabSize;
        SpecialTokens = specialTokens;
        EosId = eosId;
        BosId = bosId;
        PadId = padId ?? eosId;
        AddBos = addBos;
    }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer underneath.</summary>
    public Tokenizer Inner => _tokenizer;

    /// <summary>Which files it was read from: <c>tokenizer.json</c>, <c>vocab.json+merges.txt</c> or <c>tokenizer.model</c>.</summary>
    public string Format { get; }

    /// <summary>One more than the largest token id (special tokens included).</summary>
    public int VocabSize { get; }

    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The texts of the named special tokens (<c>bos_token</c> → <c>&lt;s&gt;</c>), as tokenizer_config.json and special_tokens_map.json give them: what a chat template sees.</summary>
    public IReadOnlyDictionary<string, string> NamedTokens { get; }

    public int EosId { get; }

    public int? BosId { get; }

    /// <summary>The padding token: <c>pad_token</c> when the tokenizer has one, else the end-of-sequence token (HF's usual choice).</summary>
    public int PadId { get; }

    /// <summary>Whether the model expects <see cref="BosId"/> before a text (<c>add_bos_token</c>; SentencePiece Llama tokenizers do).</summary>
    public bool AddBos { get; }

    /// <summary>The token ids of <paramref name="text"/>, without BOS or EOS (special-token text such as <c>&lt;|endoftext|&gt;</c> maps to its id).</summary>
    public int[] Encode(string text) => _tokenizer switch
    {
        SentencePieceTokenizer sp => sp.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false).ToArray(),
        _ => _tokenizer.EncodeToIds(text).ToArray(),
    };

    /// <summary>The text of <paramref name="ids"/>; ids outside the vocabulary are skipped.</summary>
    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids.Where(id => id >= 0 && id < VocabSize)) ?? "";

    /// <summary>The bytes of tokenizer file <paramref name="name"/> (e.g. <c>tokenizer.json</c>) as read or built; null when it has none.</summary>
    internal byte[]? FileBytes(string name) => _files.GetValueOrDefault(name);

    /// <summary>Writes the tokenizer files into <paramref name="directory"/> (as they were read, or as built).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, content) in _files) File.WriteAllBytes(Path.Combine(directory, name), content);
    }

    /// <summary>Reads the tokenizer of <paramref name="directory"/>; errors name the folder and the files looked for.</summary>
    public static TextTokenizer Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new ModelFormatException($"the model folder {directory} does not exist", "pass a folder made by `pipelines model init` or saved by Hugging Face save_pretrained");
        var files = TokenizerFiles.Where(f => File.Exists(Path.Combine(directory, f))).ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(directory, f)), StringComparer.Ordinal);
        var settings = Settings.Read(directory, files);

        string? tokenizerJsonProblem = null;
        if (files.TryGetValue("tokenizer.json", out var tokenizerJson))
        {
            var path = Path.Combine(directory, "tokenizer.json");
            var parsed = HfTokenizerFile.Parse(Encoding.UTF8.GetString(tokenizerJson), path, out tokenizerJsonProblem);
            if (parsed is not null)
            {
                var special = new Dictionary<string, int>(parsed.AddedTokens, StringComparer.Ordinal);
                return ByteLevelBpe(parsed.Vocabulary, parsed.Merges, special, parsed.Pattern, "tokenizer.json", files, settings, directory,
                    settings.AddBos ?? parsed.TemplateBos is not null, parsed.TemplateBos);
            }
        }

        if (files.TryGetValue("vocab.json", out var vocabJson) && files.TryGetValue("merges.txt", out var mergesText))
        {
            var vocabulary = ReadVocabulary(vocabJson, Path.Combine(directory, "vocab.json"));
            var merges = Encoding.UTF8.GetString(mergesText).Split('\n')
                .Select(l => l.TrimEnd('\r'))
                .Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal))
                .ToList();
            var special = settings.AddedTokens.Concat(settings.Named.Values.Where(vocabulary.ContainsKey).Select(t => new KeyValuePair<string, int>(t, vocabulary[t])))
                .Concat(WellKnownEos.Where(vocabulary.ContainsKey).Select(t => new KeyValuePair<string, int>(t, vocabulary[t])))
                .DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            return ByteLevelBpe(vocabulary, merges, special, ByteLevel.Gpt2Pattern, "vocab.json+merges.txt", files, settings, directory, settings.AddBos ?? false, null);
        }

        if (files.TryGetValue("tokenizer.model", out var sentencePiece))
        {
            LlamaTokenizer tokenizer;
            try
            {
                using var stream = new MemoryStream(sentencePiece);
                tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false, specialTokens: settings.AddedTokens.Count > 0 ? settings.AddedTokens : null);
            }
            catch (Exception e) when (e is not ModelFormatException)
            {
                throw new ModelFormatException($"{Path.Combine(directory, "tokenizer.model")} cannot be read as a SentencePiece BPE model ({e.Message})", "Unigram SentencePiece models are not supported; use tokenizer.json or vocab.json+merges.txt");
            }

            var vocabSize = Math.Max(tokenizer.Vocabulary.Count, settings.AddedTokens.Count == 0 ? 0 : settings.AddedTokens.Values.Max() + 1);
            var specials = new Dictionary<string, int>(settings.AddedTokens, StringComparer.Ordinal)
            {
                [tokenizer.BeginningOfSentenceToken] = tokenizer.BeginningOfSentenceId,
                [tokenizer.EndOfSentenceToken] = tokenizer.EndOfSentenceId,
            };
            var pad = settings.IdOf("pad_token", t => tokenizer.Vocabulary.TryGetValue(t, out var id) ? id : null);
            return new TextTokenizer(tokenizer, "tokenizer.model", files, vocabSize, specials, settings.Named, tokenizer.EndOfSentenceId, tokenizer.BeginningOfSentenceId, pad, settings.AddBos ?? true);
        }

        var reason = tokenizerJsonProblem is null ? "" : $" (tokenizer.json is there but {tokenizerJsonProblem})";
        throw new ModelFormatException($"{directory} has no tokenizer we can read{reason}",
            "a model folder needs tokenizer.json (byte-level BPE), vocab.json with merges.txt, or tokenizer.model (SentencePiece)");
    }

    /// <summary>
    /// A GPT-2-style byte-level BPE tokenizer built from a vocabulary and merges (as <see cref="ByteLevelBpeTrainer"/>
    /// learns them), with one special token that ends, starts and pads texts; saved as tokenizer.json, vocab.json,
    /// merges.txt and tokenizer_config.json so both HF's slow and fast tokenizers read it.
    /// </summary>
    public static TextTokenizer FromByteLevelBpe(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges,
        string specialToken = "<|endoftext|>", bool addBos = false, int modelMaxLength = 1024)
    {
        var id = vocabulary[specialToken];
        var special = new Dictionary<string, int>(StringComparer.Ordinal) { [specialToken] = id };
        var mergeLines = merges.Select(m => $"{m.Left} {m.Right}").ToList();
        var json = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var vocabJson = new JsonObject();
        foreach (var (token, tokenId) in vocabulary.OrderBy(v => v.Value)) vocabJson[token] = tokenId;
        var config = new JsonObject
        {
            ["add_bos_token"] = addBos,
            ["add_prefix_space"] = false,
            ["added_tokens_decoder"] = new JsonObject
            {
                [id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["content"] = specialToken,
                    ["lstrip"] = false,
                    ["normalized"] = false,
                    ["rstrip"] = false,
                    ["single_word"] = false,
                    ["special"] = true,
                },
            },
            ["bos_token"] = specialToken,
            ["eos_token"] = specialToken,
            ["unk_token"] = specialToken,
            ["model_max_length"] = modelMaxLength,
            ["tokenizer_class"] = "GPT2Tokenizer",
        };
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["tokenizer.json"] = Encoding.UTF8.GetBytes(HfTokenizerFile.Write(vocabulary, mergeLines, special, addBos ? specialToken : null)),
            ["vocab.json"] = Encoding.UTF8.GetBytes(vocabJson.ToJsonString(json) + "\n"),
            ["merges.txt"] = Encoding.UTF8.GetBytes("#version: 0.2\n" + string.Join("\n", mergeLines) + "\n"),
            ["tokenizer_config.json"] = Encoding.UTF8.GetBytes(config.ToJsonString(json) + "\n"),
        };
        var tokenizer = CreateBpe(new Dictionary<string, int>(vocabulary, StringComparer.Ordinal), mergeLines, special, ByteLevel.Gpt2Pattern);
        var named = new Dictionary<string, string>(StringComparer.Ordinal) { ["bos_token"] = specialToken, ["eos_token"] = specialToken, ["unk_token"] = specialToken };
        return new TextTokenizer(tokenizer, "tokenizer.json", files, vocabulary.Values.Max() + 1, special, named, id, id, null, addBos);
    }

    private static TextTokenizer ByteLevelBpe(Dictionary<string, int> vocabulary, List<string> merges, Dictionary<string, int> special, string pattern,
        string format, Dictionary<string, byte[]> files, Settings settings, string directory, bool addBos, string? templateBos)
    {
        int? IdOf(string token) => special.TryGetValue(token, out var s) ? s : vocabulary.TryGetValue(token, out var v) ? v : null;
        var tokenizer = CreateBpe(vocabulary, merges, special, pattern);
        var vocabSize = Math.Max(vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1, special.Count == 0 ? 0 : special.Values.Max() + 1);
        var eos = settings.IdOf("eos_token", IdOf) ?? settings.ConfigEos ?? WellKnownEos.Select(IdOf).FirstOrDefault(id => id is not null)
            ?? throw new ModelFormatException($"{directory}: cannot tell the end-of-sequence token", "set \"eos_token\" in tokenizer_config.json or \"eos_token_id\" in config.json");
        var bos = settings.IdOf("bos_token", IdOf) ?? (templateBos is null ? null : IdOf(templateBos)) ?? settings.ConfigBos
            ?? WellKnownBos.Select(IdOf).FirstOrDefault(id => id is not null);
        var pad = settings.IdOf("pad_token", IdOf);
        return new TextTokenizer(tokenizer, format, files, vocabSize, special, settings.Named, eos, bos, pad, addBos && bos is not null);
    }

    private static BpeTokenizer CreateBpe(Dictionary<string, int> vocabulary, IEnumerable<string> merges, Dictionary<string, int> special, string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.Compiled);
        // ML.Tokenizers wants every token in the vocabulary; added tokens of tokenizer.json live outside model.vocab.
        var all = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        foreach (var (token, id) in special) all.TryAdd(token, id);
        return BpeTokenizer.Create(new BpeOptions(all)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = special.Count > 0 ? special : null,
            PreTokenizer = new RegexPreTokenizer(regex, special.Count > 0 ? special : null),
        });
    }

    private static Dictionary<string, int> ReadVocabulary(byte[] json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not a JSON object of token → id ({e.Message})", "save the tokenizer again");
        }
    }

    /// <summary>tokenizer_config.json, special_tokens_map.json, added_tokens.json and config.json's token ids, merged.</summary>
    private sealed record Settings(Dictionary<string, string> Named, Dictionary<string, int> AddedTokens, bool? AddBos, int? ConfigEos, int? ConfigBos)
    {
        public int? IdOf(string name, Func<string, int?> lookup) => Named.TryGetValue(name, out var token) ? lookup(token) : null;

        public static Settings Read(string directory, IReadOnlyDictionary<string, byte[]> files)
        {
            var named = new Dictionary<string, string>(StringComparer.Ordinal);
            var added = new Dictionary<string, int>(StringComparer.Ordinal);
            bool? addBos = null;
            foreach (var file in new[] { "special_tokens_map.json", "tokenizer_config.json" })
            {
                if (!files.TryGetValue(file, out var bytes)) continue;
                var root = ParseObject(bytes, Path.Combine(directory, file));
                foreach (var name in new[] { "bos_token", "eos_token", "pad_token", "unk_token" })
                {
                    if (TokenText(root[name]) is { } text) named[name] = text;
                }

                if (root["add_bos_token"] is JsonValue add && add.TryGetValue<bool>(out var value)) addBos = value;
                foreach (var (id, token) in root["added_tokens_decoder"] as JsonObject ?? [])
                {
                    if (TokenText(token) is { } text && int.TryParse(id, System.Globalization.CultureInfo.InvariantCulture, out var number)) added[text] = number;
                }
            }

            if (files.TryGetValue("added_tokens.json", out var addedJson))
            {
                foreach (var (token, id) in ParseObject(addedJson, Path.Combine(directory, "added_tokens.json")))
                {
                    if (id is JsonValue v && v.TryGetValue<int>(out var number)) added[token] = number;
                }
            }

            int? configEos = null, configBos = null;
            var configPath = Path.Combine(directory, "config.json");
            if (File.Exists(configPath))
            {
                var config = ParseObject(File.ReadAllBytes(configPath), configPath);
                configEos = config["eos_token_id"] switch
                {
                    JsonValue v when v.TryGetValue<int>(out var id) => id,
                    JsonArray { Count: > 0 } a when a[0] is JsonValue first && first.TryGetValue<int>(out var id) => id,
                    _ => null,
                };
                configBos = config["bos_token_id"] is JsonValue b && b.TryGetValue<int>(out var bos) ? bos : null;
            }

            return new Settings(named, added, addBos, configEos, configBos);
        }

        private static string? TokenText(JsonNode? node) => node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o => o["content"]?.GetValue<string>(),
            _ => null,
        };

        private static JsonObject ParseObject(byte[] bytes, string path)
        {
            try
            {
                return JsonNode.Parse(bytes) as JsonObject ?? throw new ModelFormatException($"{path} is not a JSON object", "fix or regenerate the file");
            }
            catch (JsonException e)
            {
                throw new ModelFormatException($"{path} is not valid JSON ({e.Message})", "fix or regenerate the file");
            }
        }
    }
}
