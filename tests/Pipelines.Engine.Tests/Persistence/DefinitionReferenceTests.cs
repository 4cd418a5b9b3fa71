using Pipelines.Persistence;

namespace Pipelines.Engine.Tests.Persistence;

public sealed class DefinitionReferenceTests
{
    [Theory]
    [InlineData("email-subjects", "email-subjects", null)]
    [InlineData("email-subjects@3", "email-subjects", 3)]
    [InlineData("a@1", "a", 1)]
    [InlineData("x9-2@120", "x9-2", 120)]
    public void Parses_a_name_with_or_without_a_version(string text, string name, int? version)
    {
        Assert.True(DefinitionReference.TryParse(text, out var reference, out var error));
        Assert.Null(error);
        Assert.Equal(new DefinitionReference(name, version), reference);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("foo@x", "a version is a whole number from 1")]
    [InlineData("foo@", "a version is a whole number from 1")]
    [InlineData("foo@0", "a version is a whole number from 1")]
    [InlineData("foo@-1", "a version is a whole number from 1")]
    [InlineData("foo@+1", "a version is a whole number from 1")]
    [InlineData("foo@ 1", "a version is a whole number from 1")]
    [InlineData("foo@1@2", "a version is a whole number from 1")]
    [InlineData("foo@99999999999", "a version is a whole number from 1")]
    [InlineData("", "names are 1 to 63 lowercase letters, digits and '-'")]
    [InlineData("@3", "names are 1 to 63 lowercase letters, digits and '-'")]
    [InlineData("Email-Subjects", "names are 1 to 63 lowercase letters, digits and '-'")]
    [InlineData("email_subjects", "names are 1 to 63 lowercase letters, digits and '-'")]
    [InlineData(" email", "names are 1 to 63 lowercase letters, digits and '-'")]
    public void Rejects_anything_else_and_says_what_to_write(string text, string reason)
    {
        Assert.False(DefinitionReference.TryParse(text, out var reference, out var error));
        Assert.Null(reference);
        Assert.Equal($"'{text}' is not a pipeline reference ({reason}); write NAME or NAME@VERSION, e.g. email-subjects@3", error);
    }

    [Fact]
    public void Names_may_be_63_characters_but_not_64()
    {
        Assert.True(DefinitionReference.TryParse(new string('a', 63), out _, out _));
        Assert.False(DefinitionReference.TryParse(new string('a', 64), out _, out _));
    }
}
