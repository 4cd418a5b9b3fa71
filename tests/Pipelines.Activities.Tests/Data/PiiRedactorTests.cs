using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

public sealed class PiiRedactorTests
{
    private static (string Text, int[] Counts) Redact(string text, params PiiKind[] kinds)
    {
        var counts = new int[PiiKinds.All.Count];
        var redactor = new PiiRedactor(kinds.Length == 0 ? PiiKinds.All.ToList() : kinds);
        return (redactor.Redact(text, counts), counts);
    }

    [Theory]
    [InlineData("write to alice.smith+news@mail.example.co.uk today", "write to [EMAIL] today")]
    [InlineData("<zzzz@localhost> and (bob@example.com).", "<[EMAIL]> and ([EMAIL]).")]
    [InlineData("bounce-list=user=example.com@lists.example.org", "[EMAIL]")]
    [InlineData("no address here @ all, not even foo@ or @bar", "no address here @ all, not even foo@ or @bar")]
    public void Email_addresses_become_a_placeholder(string text, string expected)
    {
        Assert.Equal(expected, Redact(text, PiiKind.Email).Text);
    }

    [Theory]
    [InlineData("card 4111 1111 1111 1111 ok", "card [CREDIT_CARD] ok")]
    [InlineData("card 5500-0000-0000-0004.", "card [CREDIT_CARD].")]
    [InlineData("amex 378282246310005", "amex [CREDIT_CARD]")]
    [InlineData("not a card 4111 1111 1111 1112 (fails Luhn)", "not a card 4111 1111 1111 1112 (fails Luhn)")]
    [InlineData("order 1234567890123 shipped", "order 1234567890123 shipped")]
    [InlineData("too short 4242 4242 42", "too short 4242 4242 42")]
    public void Only_card_numbers_that_pass_the_Luhn_check_are_redacted(string text, string expected)
    {
        Assert.Equal(expected, Redact(text, PiiKind.CreditCard).Text);
    }

    [Fact]
    public void Luhn_check_matches_known_numbers()
    {
        Assert.True(PiiRedactor.IsLuhnValid("4111111111111111"));
        Assert.True(PiiRedactor.IsLuhnValid("6011 1111 1111 1117"));
        Assert.False(PiiRedactor.IsLuhnValid("4111111111111121"));
        Assert.False(PiiRedactor.IsLuhnValid("411111111111")); // 12 digits: too short for a card
    }

    [Theory]
    [InlineData("from 192.168.1.20 via 10.0.0.1.", "from [IP] via [IP].")]
    [InlineData("host 2001:db8::8a2e:370:7334 and ::1", "host [IP] and [IP]")]
    [InlineData("at 12:30:45 on 2002-08-22, version 1.2.3, std::vector", "at 12:30:45 on 2002-08-22, version 1.2.3, std::vector")]
    [InlineData("999.1.1.1 is not an address", "999.1.1.1 is not an address")]
    public void Ip_addresses_are_redacted_and_times_versions_and_code_are_not(string text, string expected)
    {
        Assert.Equal(expected, Redact(text, PiiKind.Ip).Text);
    }

    [Theory]
    [InlineData("call +1 (555) 123-4567 now", "call [PHONE] now")]
    [InlineData("call 555-123-4567 or (555) 765 4321", "call [PHONE] or [PHONE]")]
    [InlineData("Tel: +353 1 234 5678", "Tel: [PHONE]")]
    [InlineData("ring 020 7946 0958", "ring [PHONE]")]
    [InlineData("in 2002 we sold 1,234 units; ticket 12345", "in 2002 we sold 1,234 units; ticket 12345")]
    public void Phone_numbers_in_common_shapes_are_redacted(string text, string expected)
    {
        Assert.Equal(expected, Redact(text, PiiKind.Phone).Text);
    }

    [Theory]
    [InlineData("see http://example.com/a?b=c.", "see [URL].")]
    [InlineData("(https://www.example.org/path) and www.example.net, ok", "([URL]) and [URL], ok")]
    [InlineData("<ftp://files.example.com/pub>", "<[URL]>")]
    public void Urls_are_redacted_without_the_punctuation_after_them(string text, string expected)
    {
        Assert.Equal(expected, Redact(text, PiiKind.Url).Text);
    }

    [Fact]
    public void Each_kind_is_counted_and_urls_take_what_they_contain()
    {
        var (text, counts) = Redact("mail bob@example.com or see http://user@example.com/x from 10.1.2.3, call 555-123-4567, pay 4111-1111-1111-1111");

        Assert.Equal("mail [EMAIL] or see [URL] from [IP], call [PHONE], pay [CREDIT_CARD]", text);
        Assert.Equal(1, counts[(int)PiiKind.Email]);
        Assert.Equal(1, counts[(int)PiiKind.Url]);
        Assert.Equal(1, counts[(int)PiiKind.Ip]);
        Assert.Equal(1, counts[(int)PiiKind.Phone]);
        Assert.Equal(1, counts[(int)PiiKind.CreditCard]);
    }

    [Fact]
    public void Kinds_not_asked_for_are_left_alone()
    {
        Assert.Equal("bob@example.com at [IP]", Redact("bob@example.com at 10.1.2.3", PiiKind.Ip).Text);
    }
}
