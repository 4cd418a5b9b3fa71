using Pipelines.Activities.Safety;
using Pipelines.Activities.Tests.Data;

namespace Pipelines.Activities.Tests.Safety;

public sealed class WordListMatcherTests
{
    private static string Fixture(string name) => Path.Combine(TestData.RepositoryRoot, "tests", "Pipelines.Activities.Tests", "Safety", "Fixtures", name);

    [Theory]
    [InlineData("Well, HECK.", "heck")]
    [InlineData("heck!", "heck")]
    [InlineData("(Heck)", "heck")]
    [InlineData("heck-fire", "heck")]
    public void A_listed_word_is_found_in_any_case_on_word_boundaries_and_reported_as_listed(string text, string expected)
    {
        Assert.Equal([expected], new WordListMatcher(["heck"]).Find(text));
    }

    [Theory]
    [InlineData("a class assignment passes")]
    [InlineData("Scunthorpe and Essex")]
    [InlineData("the assassin")]
    [InlineData("ass1 and 2ass")]
    public void A_listed_word_inside_a_longer_word_is_not_found(string text)
    {
        Assert.Empty(new WordListMatcher(["ass", "cunt", "sex"]).Find(text));
    }

    [Fact]
    public void A_multi_word_term_matches_across_any_white_space_and_the_longest_overlapping_term_wins()
    {
        var matcher = new WordListMatcher(["ball", "ball sack", "blow job"]);

        Assert.Equal(["blow job"], matcher.Find("a Blow \n  Job"));
        Assert.Equal(["ball sack"], matcher.Find("the ball sack"));
        Assert.Equal(["ball", "ball sack"], matcher.Find("ball, then ball sack, then ball"));
    }

    [Fact]
    public void Each_term_is_reported_once_in_order_of_first_appearance()
    {
        Assert.Equal(["darn it", "gosh"], new WordListMatcher(["gosh", "darn it"]).Find("Darn it. Gosh, darn it, gosh!"));
    }

    [Fact]
    public void The_built_in_list_is_LDNOOBW_and_finds_its_words_but_not_innocent_words_that_contain_them()
    {
        var toxic = WordListMatcher.Toxic;

        Assert.Equal(403, toxic.Count);
        Assert.Equal(["bullshit"], toxic.Find("That is BULLSHIT."));
        Assert.Empty(toxic.Find("Scunthorpe United played in Middlesex; the analyst assessed the cocktail."));
        Assert.Equal(["2 girls 1 cup"], toxic.Find("2 girls 1 cup"));
    }

    [Fact]
    public void Refusals_are_found_with_straight_or_typographic_apostrophes()
    {
        Assert.True(RefusalPhrases.IsRefusal("I can’t help with that."));
        Assert.True(RefusalPhrases.IsRefusal("Sorry, but I can't."));
        Assert.True(RefusalPhrases.IsRefusal("As an AI, I do not have opinions."));
        Assert.False(RefusalPhrases.IsRefusal("I can help with that: here is a letter."));
    }

    [Theory]
    [InlineData("words.json")]
    [InlineData("words.txt")]
    public void A_custom_list_reads_as_a_JSON_array_or_one_term_per_line(string file)
    {
        var terms = VendoredList.Parse(File.ReadAllBytes(Fixture(file)), file);
        var matcher = new WordListMatcher(terms);

        Assert.Equal(3, matcher.Count);
        Assert.Equal(["gosh", "heck", "darn it"], matcher.Find("Gosh! What the heck... darn   it").Select(t => t.ToLowerInvariant()));
        Assert.DoesNotContain("# a small word list for tests: one term per line", terms);
    }

    [Fact]
    public void A_custom_list_that_is_not_a_JSON_array_of_strings_is_an_error_naming_it()
    {
        var error = Assert.Throws<InvalidDataException>(() => VendoredList.Parse("[1, {\"a\": 2}]"u8.ToArray(), "mine.json"));
        Assert.StartsWith("mine.json: not a JSON array of strings", error.Message, StringComparison.Ordinal);
    }
}
