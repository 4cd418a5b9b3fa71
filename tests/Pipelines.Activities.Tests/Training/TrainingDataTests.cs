using Pipelines.Activities.Models;
using Pipelines.Activities.Training;

namespace Pipelines.Activities.Tests.Training;

public sealed class TrainingDataTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("training-data-").FullName;
    static readonly TextTokenizer Tokenizer = ModelPresets.Create("llama", "tiny").Tokenizer;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    string Write(params string[] lines)
    {
        var path = Path.Join(_directory, "data.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Prompt_tokens_take_no_loss_and_the_completion_ends_with_eos()
    {
        var path = Write("""{"prompt": "Subject: hello", "completion": " world"}""");
        var example = Assert.Single(TrainingData.Load(path, Tokenizer, 512));

        var prompt = Tokenizer.Encode("Subject: hello");
        var completion = Tokenizer.Encode(" world");
        Assert.Equal(Tokenizer.BosId, example.Ids[0]);
        Assert.Equal([Tokenizer.BosId!.Value, .. prompt, .. completion, Tokenizer.EosId], example.Ids);
        Assert.All(example.Labels.Take(1 + prompt.Length), l => Assert.Equal(TrainingExample.Ignored, l));
        Assert.Equal([.. completion, Tokenizer.EosId], example.Labels.Skip(1 + prompt.Length));
        Assert.Equal(completion.Length + 1, example.ScoredTokens);
        Assert.EndsWith("data.jsonl:1", example.Source);
    }

    [Fact]
    public void Text_records_take_loss_on_every_token_and_long_ones_are_cut()
    {
        var path = Write("", """{"text": "the quick brown fox jumps over the lazy dog"}""");
        var example = Assert.Single(TrainingData.Load(path, Tokenizer, maxSequenceLength: 5));
        Assert.Equal(5, example.Ids.Length);
        Assert.Equal(example.Ids.Skip(1), example.Labels.Skip(1));
        Assert.EndsWith("data.jsonl:2", example.Source);
    }

    [Fact]
    public void Packing_puts_whole_examples_end_to_end_in_sequences_of_the_same_length()
    {
        var path = Write(
            """{"text": "the quick brown fox jumps over the lazy dog"}""",
            """{"prompt": "Subject: hello", "completion": " world"}""",
            """{"text": "a third and last example"}""");
        var whole = TrainingData.Load(path, Tokenizer, int.MaxValue);
        var stream = whole.SelectMany(e => e.Ids).ToArray();

        var packed = TrainingData.Pack(whole, 7);

        // The stream in order, cut every 7 tokens; only a last piece of one token (nothing to predict) is dropped.
        var kept = stream.Length % 7 == 1 ? stream.Length - 1 : stream.Length;
        Assert.Equal(stream.Take(kept), packed.SelectMany(e => e.Ids));
        Assert.Equal(whole.SelectMany(e => e.Labels).Take(kept), packed.SelectMany(e => e.Labels)); // the prompt stays unscored
        Assert.All(packed.SkipLast(1), e => Assert.Equal(7, e.Ids.Length));
        Assert.Equal((kept + 6) / 7, packed.Count);
        Assert.EndsWith("data.jsonl:1", packed[0].Source);
    }

    [Theory]
    [InlineData("""{"prompt": "x"}""", "data.jsonl:2: the record has neither \"completion\" nor \"text\"")]
    [InlineData("""{"text": "x""", "data.jsonl:2: not valid JSON")]
    [InlineData("""["text"]""", "data.jsonl:2: expected a JSON object")]
    public void A_bad_record_is_named_by_file_and_line(string line, string expected)
    {
        var path = Write("""{"text": "fine"}""", line);
        var error = Assert.Throws<InvalidDataException>(() => TrainingData.Load(path, Tokenizer, 64));
        Assert.Contains(expected, error.Message);
    }
}
