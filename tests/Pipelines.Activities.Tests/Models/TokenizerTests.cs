using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models;

namespace Pipelines.Activities.Tests.Models;

public sealed class TokenizerTests : IDisposable
{
    private const string Sample = "Dear friend,\n\nThe meeting is on Thursday at 10:30 — café, naïve, 日本語 and 😀!\r\n  Indented   text\twith tabs. <|endoftext|>";
    private readonly TinyModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    internal static TextTokenizer Learned(int vocab = 400) => ModelPresets.LearnTokenizer(
        "the meeting is on thursday. the release is next week; thanks for the notes, and the tests. " +
        "Dear friend, save money today! Reply to this mail if I missed something.", vocab, addBos: false, modelMaxLength: 64);

    [Fact]
    public void A_learned_byte_level_bpe_round_trips_any_text_and_merges_common_words()
    {
        var tokenizer = Learned();

        var ids = tokenizer.Encode(Sample);

        Assert.Equal(Sample, tokenizer.Decode(ids));
        Assert.Equal(tokenizer.EosId, ids[^1]);
        Assert.True(tokenizer.Encode(" the meeting").Length <= 3);
        Assert.Equal(tokenizer.EosId, tokenizer.PadId);
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EosId);
    }

    [Fact]
    public void Bpe_learning_merges_the_most_frequent_pair_first_ties_in_ordinal_order_and_overlaps_left_to_right()
    {
        // Words: "aaaa", "Ġab", "Ġcd" (Ġ is the byte-level space). a+a first (3 times, and "aaaa" becomes aa aa, not
        // a aa a); then every pair counts 1 and the ordinally smallest goes first: "a" < "aa" < "c" < "Ġ", "Ġ"+"ab" < "Ġ"+"cd".
        var (_, merges) = Pipelines.Activities.Models.Tokenization.ByteLevelBpeTrainer.Train("aaaa ab cd", 256 + 6, ["<|endoftext|>"]);

        Assert.Equal([("a", "a"), ("a", "b"), ("aa", "aa"), ("c", "d"), ("Ġ", "ab")], merges);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("vocab.json+merges.txt")]
    public void Each_saved_format_reads_back_with_the_same_ids(string format)
    {
        var original = Learned();
        original.Save(_folder.Path);
        if (format == "tokenizer.json")
        {
            File.Delete(_folder.Sub("vocab.json"));
            File.Delete(_folder.Sub("merges.txt"));
        }
        else
        {
            File.Delete(_folder.Sub("tokenizer.json"));
        }

        var loaded = TextTokenizer.Load(_folder.Path);

        Assert.Equal(format, loaded.Format);
        Assert.Equal(original.Encode(Sample), loaded.Encode(Sample));
        Assert.Equal(Sample, loaded.Decode(loaded.Encode(Sample)));
        Assert.Equal((original.EosId, original.BosId, original.VocabSize), (loaded.EosId, loaded.BosId, loaded.VocabSize));
    }

    [Fact]
    public void A_tokenizer_json_with_pair_merges_and_a_split_regex_reads_like_qwen2s()
    {
        Learned().Save(_folder.Path);
        var json = JsonNode.Parse(File.ReadAllText(_folder.Sub("tokenizer.json")))!;
        var merges = json["model"]!["merges"]!.AsArray().Select(m => (JsonNode)new JsonArray(m!.GetValue<string>().Split(' ').Select(p => (JsonNode)JsonValue.Create(p)!).ToArray())).ToArray();
        json["model"]!["merges"] = new JsonArray(merges);
        json["pre_tokenizer"] = JsonNode.Parse("""
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}
            """);
        File.WriteAllText(_folder.Sub("tokenizer.json"), json.ToJsonString());
        File.Delete(_folder.Sub("tokenizer_config.json"));

        var loaded = TextTokenizer.Load(_folder.Path);

        Assert.Equal(Sample, loaded.Decode(loaded.Encode(Sample)));
        Assert.Equal(4, loaded.Encode("2024").Length); // \p{N} splits digits one by one
        Assert.Equal(loaded.SpecialTokens["<|endoftext|>"], loaded.EosId);
    }

    [Fact]
    public void A_tokenizer_that_adds_bos_says_so_in_tokenizer_config_and_in_tokenizer_json()
    {
        ModelPresets.LearnTokenizer("hello hello world", 270, addBos: true, modelMaxLength: 64).Save(_folder.Path);
        Assert.True(TextTokenizer.Load(_folder.Path).AddBos);

        File.Delete(_folder.Sub("tokenizer_config.json"));
        var fromTemplate = TextTokenizer.Load(_folder.Path);

        Assert.True(fromTemplate.AddBos);
        Assert.Equal(fromTemplate.EosId, fromTemplate.BosId);
        Assert.False(Learned().AddBos);
    }

    [Fact]
    public void A_sentencepiece_tokenizer_model_round_trips_with_byte_fallback()
    {
        File.WriteAllBytes(_folder.Sub("tokenizer.model"), SentencePieceModel());

        var tokenizer = TextTokenizer.Load(_folder.Path);
        var text = "hello the world, Ünïcode ok";
        var ids = tokenizer.Encode(text);

        Assert.Equal("tokenizer.model", tokenizer.Format);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal((1, 2), (tokenizer.BosId, tokenizer.EosId));
        Assert.True(tokenizer.AddBos);
        Assert.DoesNotContain(1, ids);
        Assert.Contains(ids, id => id >= 3 && id < 259); // bytes for characters the pieces lack
        Assert.Single(tokenizer.Encode("the")); // ▁ t h e → ▁t h e → ▁t he → ▁the, by the pieces' scores

        var copy = _folder.Sub("copy");
        tokenizer.Save(copy);
        Assert.Equal(File.ReadAllBytes(_folder.Sub("tokenizer.model")), File.ReadAllBytes(Path.Combine(copy, "tokenizer.model")));
    }

    [Fact]
    public void A_folder_without_tokenizer_files_is_a_clear_error()
    {
        var error = Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(_folder.Path));

        Assert.Contains($"{_folder.Path} has no tokenizer we can read", error.Message);
        Assert.Contains("tokenizer.json", error.Hint);
    }

    /// <summary>
    /// A SentencePiece BPE model (sentencepiece_model.proto, written by hand): unk/bos/eos, the 256 byte pieces, and
    /// a few merged pieces whose scores order the merges.
    /// </summary>
    private static byte[] SentencePieceModel()
    {
        var model = new MemoryStream();
        void Piece(string text, float score, int type) => Field(model, 1, Message(p =>
        {
            Field(p, 1, Encoding.UTF8.GetBytes(text));
            Key(p, 2, 5);
            p.Write(BitConverter.GetBytes(score));
            Varint(p, 3, type);
        }));

        Piece("<unk>", 0, 2);
        Piece("<s>", 0, 3);
        Piece("</s>", 0, 3);
        for (var b = 0; b < 256; b++) Piece($"<0x{b:X2}>", 0, 6);
        string[] merged = ["▁t", "he", "▁the", "ll", "llo", "▁h", "▁hello", "or", "▁w", "▁wor", "ld", "▁world", "▁o", "▁ok", "co", "de"];
        var score = -1f;
        foreach (var piece in merged) Piece(piece, score--, 1);
        foreach (var c in "▁abcdefghijklmnopqrstuvwxyz,.") Piece(c.ToString(), score--, 1);

        Field(model, 2, Message(t =>
        {
            Varint(t, 3, 2); // model_type BPE
            Varint(t, 35, 1); // byte_fallback
            Varint(t, 40, 0);
            Varint(t, 41, 1);
            Varint(t, 42, 2);
        }));
        Field(model, 3, Message(n =>
        {
            Field(n, 1, "identity"u8.ToArray());
            Varint(n, 3, 1); // add_dummy_prefix
            Varint(n, 4, 0); // remove_extra_whitespaces
            Varint(n, 5, 1); // escape_whitespaces
        }));
        return model.ToArray();

        static byte[] Message(Action<MemoryStream> write)
        {
            var m = new MemoryStream();
            write(m);
            return m.ToArray();
        }
    }

    private static void Key(Stream s, int field, int wireType) => WriteVarint(s, (ulong)(field << 3 | wireType));

    private static void Varint(Stream s, int field, long value)
    {
        Key(s, field, 0);
        WriteVarint(s, (ulong)value);
    }

    private static void Field(Stream s, int field, byte[] bytes)
    {
        Key(s, field, 2);
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        s.WriteByte((byte)value);
    }
}
