using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

/// <summary><c>data.curate</c> with <c>text_template</c>: text records for causal-LM pretraining, through the same stages as pairs.</summary>
public sealed class TextCurationTests
{
    private static DataCurationInputs MailText(string template = "Subject: {subject}\n\n{body}") => new()
    {
        Source = TestData.SpamAssassinSample,
        TextTemplate = template,
        Split = new SplitFractions { Train = 0.6, Validation = 0.2, Test = 0.2 },
    };

    [Fact]
    public void Mail_becomes_text_records_redacted_deduplicated_and_split_with_a_card_that_says_so()
    {
        var (train, validation, test, card) = Curation.Outputs(MailText());

        var records = new[] { train, validation, test }.SelectMany(bytes => Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        Assert.Equal(10, records.Count); // 13 mails, 1 too short, 1 exact and 1 near duplicate
        Assert.All(records, record =>
        {
            Assert.Equal(["text", "id", "source", "record"], record.Select(p => p.Key));
            Assert.StartsWith("Subject: ", (string)record["text"]!, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]", (string)record["text"]!);
        });
        Assert.Equal(records.Count, records.Select(r => (string)r["id"]!).Distinct().Count());
        Assert.DoesNotContain(records, r => (string)r["source"]! == "easy-ham-1/00318.5b1d22882c6fbfebcebe12a792b3c6c8.txt"); // repeats 00317
        Assert.Contains("This is a **text dataset**", card, StringComparison.Ordinal);
        Assert.Contains("| text template | Subject: {subject} ↵  ↵ {body} |", card, StringComparison.Ordinal);
        Assert.DoesNotContain("| completion field |", card, StringComparison.Ordinal);
        Assert.DoesNotContain("Completion length", card, StringComparison.Ordinal);
        var again = Curation.Outputs(MailText());
        Assert.Equal(train, again.Train);
        Assert.Equal(test, again.Test);
        Assert.Equal(card, again.Card);
    }

    [Fact]
    public void Filters_measure_what_the_fields_bring_in_not_the_templates_words()
    {
        using var folder = new TemporaryFolder();
        folder.Write("notes.jsonl", string.Join('\n',
            """{"title":"","body":""}""",
            """{"title":"Hi","body":"too short"}""",
            """{"title":"Minutes","body":"The meeting agreed to move the release to Friday after the tests pass."}"""));

        var result = Curation.Run(new DataCurationInputs
        {
            Source = folder.Path,
            TextTemplate = "A note from the team archive, kept for training a language model: {title}\n{body}",
            Filters = Curation.NoFilters with { MinWords = 5 },
            Split = new SplitFractions { Train = 1, Validation = 0, Test = 0 },
        });

        Assert.Equal(["empty_text", "min_words"], result.Filtered.Keys);
        Assert.Equal(1, result.Filtered[QualityFilters.EmptyText]);
        Assert.Equal(1, result.Filtered["min_words"]);
        var kept = Assert.Single(result.Splits[0]);
        Assert.Null(kept.Completion);
        Assert.Equal("A note from the team archive, kept for training a language model: Minutes\nThe meeting agreed to move the release to Friday after the tests pass.", kept.Prompt);
    }

    [Fact]
    public void A_record_without_a_field_the_text_template_reads_is_quarantined_naming_it()
    {
        using var folder = new TemporaryFolder();
        folder.Write("notes.jsonl", """{"title":"a title with enough words in it"}""" + "\n");

        var result = Curation.Run(new DataCurationInputs { Source = folder.Path, TextTemplate = "{title}\n{body}", Filters = Curation.NoFilters });

        Assert.StartsWith("no field 'body' (read by text_template)", Assert.Single(result.Quarantined).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Write a subject.\n\n{body}", null, "text_template and prompt_template are both set")]
    [InlineData(null, "subject", "text_template and completion_field are both set")]
    public void Text_template_with_a_prompt_setting_is_refused_naming_both(string? prompt, string? completion, string expected)
    {
        var e = Assert.Throws<ActivityFailedException>(() => Curation.Run(MailText() with { PromptTemplate = prompt, CompletionField = completion }));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("give text_template alone", e.Message, StringComparison.Ordinal);
        Assert.False(e.Retryable);
    }

    [Theory]
    [InlineData("Subject: {subjet}\n\n{body}", "text_template reads {subjet}, which mail records do not have (did you mean 'subject'?)")]
    [InlineData("{body", "text_template: the '{' at character 1 is never closed")]
    public void A_bad_text_template_is_refused_before_reading_naming_the_input(string template, string expected)
    {
        var e = Assert.Throws<ActivityFailedException>(() => Curation.Run(MailText(template)));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
