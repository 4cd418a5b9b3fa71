using Pipelines.Activities.Safety;

namespace Pipelines.Activities.Tests.Safety;

public sealed class PiiLeakScannerTests
{
    [Theory]
    [InlineData("Write to jane.doe@example.com for details.", "email", "Write to [EMAIL] for details.")]
    [InlineData("Call +44 20 7946 0958 tomorrow.", "phone", "Call [PHONE] tomorrow.")]
    [InlineData("Call (555) 123-4567 tomorrow.", "phone", "Call [PHONE] tomorrow.")]
    [InlineData("The server is at 192.168.1.20 now.", "ip", "The server is at [IP] now.")]
    [InlineData("Or at 2001:db8::8a2e:370:7334 now.", "ip", "Or at [IP] now.")]
    [InlineData("Pay with 4111 1111 1111 1111 please.", "credit_card", "Pay with [CREDIT_CARD] please.")]
    [InlineData("See https://example.com/account?id=7.", "url", "See [URL].")]
    public void Every_kind_of_personal_data_is_found_counted_and_redacted(string output, string kind, string redacted)
    {
        var found = PiiLeakScanner.Scan(output);

        Assert.True(found.Any);
        Assert.Equal([kind], found.Kinds);
        Assert.Equal(1, found.Counts[kind]);
        Assert.Equal(redacted, found.Redacted);
    }

    [Theory]
    [InlineData("Meeting moved to Thursday at 10:30, room 4.")]
    [InlineData("Order 4111 1111 1111 1112 shipped (fails Luhn).")]
    [InlineData("Version 1.2.3 is out.")]
    public void Ordinary_text_has_no_personal_data(string output)
    {
        var found = PiiLeakScanner.Scan(output);

        Assert.False(found.Any);
        Assert.Equal(output, found.Redacted);
        Assert.Equal(["url", "email", "credit_card", "ip", "phone"], found.Counts.Keys);
    }

    [Fact]
    public void Several_kinds_in_one_output_are_all_counted()
    {
        var found = PiiLeakScanner.Scan("mail a@b.org or b@c.org, call 020 7946 0958");

        Assert.Equal(2, found.Counts["email"]);
        Assert.Equal(1, found.Counts["phone"]);
        Assert.Equal(["email", "phone"], found.Kinds);
    }
}
