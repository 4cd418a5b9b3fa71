using System.Text;
using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

public sealed class DataCurationTests
{
    [Fact]
    public void Unparsable_records_are_quarantined_with_the_reason_never_dropped()
    {
        using var folder = new TemporaryFolder();
        folder.Write("mail/good.eml", "From: a@example.com\nSubject: Hello there\n\nA perfectly ordinary message body with words.\n");
        folder.Write("mail/empty.eml", "");
        folder.Write("mail/binary.eml", [0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]);
        folder.Write("mail/notes.txt", "just some notes\nwith no headers at all\n");
        folder.Write("records.jsonl", "{\"prompt\":\"a question about things\",\"completion\":\"an answer\"}\n{not json}\n[1,2]\n\n{\"prompt\":\"no completion\"}\n");
        folder.Write("table.csv", "prompt,completion\n\"a, quoted prompt\",yes\nonly one field\n\"never closed,no\n");

        var result = Curation.Run(new DataCurationInputs { Source = folder.Path, Filters = Curation.NoFilters, Split = new SplitFractions { Train = 1, Validation = 0, Test = 0 } });
        var reasons = result.Quarantined.ToDictionary(q => $"{q.Source}#{q.Record}", q => q.Reason);

        Assert.Equal(11, result.InputRecords);
        Assert.Equal(result.InputRecords, result.Parsed + result.Quarantined.Count);
        Assert.Equal(3, result.Parsed);
        Assert.Equal("empty file", reasons["mail/empty.eml#1"]);
        Assert.StartsWith("binary content", reasons["mail/binary.eml#1"], StringComparison.Ordinal);
        Assert.StartsWith("not a mail message", reasons["mail/notes.txt#1"], StringComparison.Ordinal);
        Assert.StartsWith("invalid JSON", reasons["records.jsonl#2"], StringComparison.Ordinal);
        Assert.Equal("a JSON array, not an object", reasons["records.jsonl#3"]);
        Assert.StartsWith("no field 'completion' (read by completion_field)", reasons["records.jsonl#5"], StringComparison.Ordinal);
        Assert.StartsWith("1 fields where the header has 2", reasons["table.csv#3"], StringComparison.Ordinal);
        Assert.StartsWith("a quoted field opened on line 4 is never closed", reasons["table.csv#4"], StringComparison.Ordinal);
        Assert.Contains(result.Splits[0], e => e.Prompt == "a, quoted prompt" && e.Completion == "yes" && e.Source == "table.csv" && e.Record == 2);
    }

    [Fact]
    public void Quarantine_jsonl_names_source_record_and_reason()
    {
        var line = Encoding.UTF8.GetString(DatasetWriter.Quarantine([new QuarantinedRecord("a/b.eml", 3, "empty file", null)]));

        Assert.Equal("{\"source\":\"a/b.eml\",\"record\":3,\"reason\":\"empty file\",\"excerpt\":null}\n", line);
    }

    [Fact]
    public void Exact_and_near_duplicates_are_found_in_the_real_sample()
    {
        var result = Curation.Run(new DataCurationInputs { Source = TestData.SpamAssassinSample });

        Assert.Equal(13, result.InputRecords);
        Assert.Empty(result.Quarantined);
        var exact = Assert.Single(result.ExactExamples);
        Assert.Equal("easy-ham-1/00318.5b1d22882c6fbfebcebe12a792b3c6c8.txt", exact.Duplicate.Source);
        Assert.Equal("easy-ham-1/00317.62e22febb8eeb1d0a49673ddd92b543d.txt", exact.Original.Source);
        var group = Assert.Single(result.NearExamples);
        Assert.Equal(["easy-ham-1/00700.7eee792482a5a8cf20f1e4225f905f6b.txt", "easy-ham-1/00718.1fc4cf16dbe6d0395c754671b24782e1.txt"], group.Select(e => e.Source));
        Assert.Equal(1, result.NearDuplicates);
        Assert.Equal(1, result.Filtered[QualityFilters.EmptyPrompt]); // 00115 forwards a message and writes nothing
    }

    [Fact]
    public void Near_duplicate_groups_kept_together_never_straddle_two_splits()
    {
        using var folder = new TemporaryFolder();
        var random = new Random(3);
        var words = Enumerable.Range(0, 800).Select(i => $"word{i}").ToArray();
        var lines = new StringBuilder();
        for (var topic = 0; topic < 40; topic++)
        {
            var text = Enumerable.Range(0, 200).Select(_ => words[random.Next(words.Length)]).ToArray();
            for (var copy = 0; copy < 4; copy++)
            {
                var edited = text.ToArray();
                edited[50 + 25 * copy] = $"edit{copy}"; // one word changed: near (Jaccard about 0.9), not exact
                lines.Append(System.Text.Json.JsonSerializer.Serialize(new { prompt = string.Join(' ', edited), completion = $"topic {topic}" })).Append('\n');
            }
        }

        folder.Write("near.jsonl", lines.ToString());
        var result = Curation.Run(new DataCurationInputs
        {
            Source = folder.Path,
            Filters = Curation.NoFilters,
            NearDuplicates = new NearDuplicateOptions { Action = "keep" },
        });

        Assert.Equal(160, result.Splits.Sum(s => s.Count));
        Assert.Equal(40, result.NearGroups);
        for (var topic = 0; topic < 40; topic++)
        {
            var holding = result.Splits.Select((s, i) => (s, i)).Where(x => x.s.Any(e => e.Completion == $"topic {topic}")).Select(x => x.i).ToList();
            Assert.True(holding.Count == 1, $"topic {topic} is in splits {string.Join(", ", holding)}");
        }

        Assert.InRange(result.Splits[0].Count, 116, 140); // 80% of 160, in whole groups of 4
    }

    [Fact]
    public void The_same_input_and_seed_give_byte_identical_outputs_and_another_seed_another_split()
    {
        var inputs = new DataCurationInputs { Source = TestData.SpamAssassinSample, Filters = Curation.NoFilters, Split = new SplitFractions { Train = 0.5, Validation = 0.25, Test = 0.25 } };

        var first = Curation.Outputs(inputs);
        var second = Curation.Outputs(inputs);
        var reseeded = Curation.Outputs(inputs with { Seed = 7 });

        Assert.Equal(first.Train, second.Train);
        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Test, second.Test);
        Assert.Equal(first.Card, second.Card);
        Assert.NotEqual(first.Train, reseeded.Train);
    }

    [Fact]
    public void Splits_follow_the_fractions()
    {
        using var folder = new TemporaryFolder();
        folder.Write("many.jsonl", string.Concat(Enumerable.Range(0, 1000).Select(i => $"{{\"prompt\":\"record number {i} has its own words {i * 7919}\",\"completion\":\"c{i}\"}}\n")));

        var result = Curation.Run(new DataCurationInputs { Source = Path.Combine(folder.Path, "*.jsonl"), Filters = Curation.NoFilters, NearDuplicates = new NearDuplicateOptions { Enabled = false } });

        Assert.Equal([800, 100, 100], result.Splits.Select(s => s.Count));
        Assert.Empty(result.Splits[0].Select(e => e.Id).Intersect(result.Splits[2].Select(e => e.Id)));
    }

    [Fact]
    public void Filters_count_each_dropped_record_under_the_first_rule_it_fails()
    {
        using var folder = new TemporaryFolder();
        folder.Write("f.jsonl", string.Join('\n',
            """{"prompt":"","completion":"x"}""",
            """{"prompt":"short","completion":"x"}""",
            """{"prompt":"$$$ !!! ### %%% ^^^ &&& *** ((( ))) ___ +++ === ~~~ <<< >>> a few real words","completion":"x"}""",
            """{"prompt":"same line\nsame line\nsame line\nsame line\nanother line here","completion":"x"}""",
            """{"prompt":"Der Hund und die Katze sind in dem Haus, und sie haben nicht viel Zeit für das Spiel mit den Kindern.","completion":"x"}""",
            """{"prompt":"The dog and the cat are in the house, and they do not have much time for a game with the children.","completion":"x"}"""));

        var result = Curation.Run(new DataCurationInputs
        {
            Source = folder.Path,
            Filters = new QualityFilterOptions { MinChars = 10, MinWords = 3, MaxSymbolRatio = 0.5, MaxRepeatedLineRatio = 0.5, Language = "en" },
        });

        Assert.Equal(1, result.Filtered["empty_prompt"]);
        Assert.Equal(1, result.Filtered["min_chars"]);
        Assert.Equal(1, result.Filtered["max_symbol_ratio"]);
        Assert.Equal(1, result.Filtered["max_repeated_line_ratio"]);
        Assert.Equal(1, result.Filtered["language"]);
        Assert.Equal("language de", result.FilteredExamples["language"][0].Measured);
        Assert.Equal(1, result.Splits.Sum(s => s.Count));
    }

    [Fact]
    public void Templates_render_fields_and_mail_labels_come_from_folders()
    {
        var result = Curation.Run(new DataCurationInputs
        {
            Source = TestData.SpamAssassinSample,
            PromptTemplate = "Is this spam? {{yes/no}}\nSubject: {subject}\n\n{body}",
            CompletionField = "label",
            Filters = Curation.NoFilters,
            Split = new SplitFractions { Train = 1, Validation = 0, Test = 0 },
        });

        var spam = Assert.Single(result.Splits[0], e => e.Source == "spam-1/00472.713268dfca421e165c1ac59bab045e00.txt");
        Assert.Equal("spam", spam.Completion);
        Assert.StartsWith("Is this spam? {yes/no}\nSubject: ", spam.Prompt, StringComparison.Ordinal);
        Assert.Contains(result.Splits[0], e => e.Completion == "easy-ham");
        Assert.Contains(result.Splits[0], e => e.Completion == "hard-ham");
    }

    [Fact]
    public void A_template_ending_in_a_newline_keeps_it_so_the_completion_starts_a_line()
    {
        CurationResult Curate(string template) => Curation.Run(new DataCurationInputs
        {
            Source = TestData.SpamAssassinSample,
            PromptTemplate = template,
            Filters = Curation.NoFilters,
            Split = new SplitFractions { Train = 1, Validation = 0, Test = 0 },
        });

        var endsInLine = Curate("Write a subject line for this email.\n\n{body}\n\nSubject:\n").Splits[0];
        var plain = Curate("Write a subject line for this email.\n\n{body}\n\nSubject:").Splits[0];

        Assert.All(endsInLine, e => Assert.EndsWith("\nSubject:\n", e.Prompt, StringComparison.Ordinal));
        Assert.Equal(plain.Select(e => e.Prompt + "\n"), endsInLine.Select(e => e.Prompt));
        Assert.All(plain, e => Assert.EndsWith("\nSubject:", e.Prompt, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{subjet}", null, "prompt_template reads {subjet}, which mail records do not have (did you mean 'subject'?)")]
    [InlineData("{body", null, "prompt_template: the '{' at character 1 is never closed")]
    [InlineData(null, "titel", "completion_field 'titel' is not a mail field")]
    public void Bad_templates_are_refused_before_reading_naming_the_input(string? template, string? completion, string expected)
    {
        var e = Assert.Throws<ActivityFailedException>(() => Curation.Run(new DataCurationInputs { Source = TestData.SpamAssassinSample, PromptTemplate = template, CompletionField = completion }));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.False(e.Retryable);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_input()
    {
        Assert.Contains("split fractions add up to 1.1",
            Assert.Throws<ActivityFailedException>(() => CurationSettings.From(new DataCurationInputs { Source = "x", Split = new SplitFractions { Train = 0.9, Validation = 0.1, Test = 0.1 } })).Message, StringComparison.Ordinal);
        Assert.Contains("near_duplicates.bands (10) must divide near_duplicates.permutations (128)",
            Assert.Throws<ActivityFailedException>(() => CurationSettings.From(new DataCurationInputs { Source = "x", NearDuplicates = new NearDuplicateOptions { Bands = 10 } })).Message, StringComparison.Ordinal);
        Assert.Contains("redact: unknown kind 'emails'",
            Assert.Throws<ActivityFailedException>(() => CurationSettings.From(new DataCurationInputs { Source = "x", Redact = ["emails"] })).Message, StringComparison.Ordinal);
        Assert.Contains("is not a file, a folder or a glob",
            Assert.Throws<ActivityFailedException>(() => Curation.Run(new DataCurationInputs { Source = "/no/such/place" })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_card_reports_every_stage_rule_and_redaction_with_a_chart()
    {
        var card = Curation.Outputs(new DataCurationInputs { Source = TestData.SpamAssassinSample, Redact = ["email", "phone", "ip", "credit_card", "url"] }).Card;

        Assert.Contains("| read | 13 |", card, StringComparison.Ordinal);
        Assert.Contains("| without exact duplicates |", card, StringComparison.Ordinal);
        Assert.Contains("| empty_prompt | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| url |", card, StringComparison.Ordinal);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", card, StringComparison.Ordinal);
        Assert.DoesNotContain("@example", card, StringComparison.Ordinal);
    }
}
