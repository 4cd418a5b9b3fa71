using Pipelines.Activities.Evaluation;

namespace Pipelines.Activities.Tests.Evaluation;

public sealed class EvaluationDatasetTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Records_keep_their_line_prompt_reference_and_other_fields()
    {
        var path = _folder.Write("data.jsonl", ["""{"prompt": "p1", "completion": "c1", "id": 7}""", "", """{"completion": "c2", "source": "x"}"""]);

        var records = EvaluationDataset.Load(path);

        Assert.Equal([1, 3], records.Select(r => r.Line));
        Assert.Equal(["p1", ""], records.Select(r => r.Prompt));
        Assert.Equal(["c1", "c2"], records.Select(r => r.Reference));
        Assert.Equal("7", records[0].Fields["id"]);
    }

    [Theory]
    [InlineData("""{"prompt": "p"}""", "data.jsonl:2: the record has no \"completion\"")]
    [InlineData("""{"prompt": "p", "completion": ""}""", "data.jsonl:2: the record has no non-empty \"completion\"")]
    [InlineData("[1, 2]", "data.jsonl:2: a JSON array, not an object")]
    public void A_bad_line_is_an_error_naming_file_and_line(string line, string message)
    {
        var path = _folder.Write("data.jsonl", ["""{"prompt": "p", "completion": "c"}""", line]);

        var error = Assert.Throws<InvalidDataException>(() => EvaluationDataset.Load(path));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_sample_is_drawn_by_the_seed_and_kept_in_file_order()
    {
        var records = Enumerable.Range(1, 50).Select(i => EvaluationFixtures.Record(i, $"p{i}", $"c{i}")).ToList();

        var first = EvaluationDataset.Sample(records, 10, seed: 3);
        var again = EvaluationDataset.Sample(records, 10, seed: 3);
        var other = EvaluationDataset.Sample(records, 10, seed: 4);

        Assert.Equal(10, first.Count);
        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(r => r.Line), other.Select(r => r.Line));
        Assert.Equal(first.Select(r => r.Line).Order(), first.Select(r => r.Line));
        Assert.Same(records, EvaluationDataset.Sample(records, null, seed: 3));
        Assert.Same(records, EvaluationDataset.Sample(records, 50, seed: 3));
    }
}
