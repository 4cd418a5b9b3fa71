using Pipelines.Diagnostics;

namespace Pipelines.Engine.Tests.Validation;

/// <summary>The bit-parallel distance against the textbook table it replaces, on the cases that tell them apart.</summary>
public sealed class EditDistanceTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("abc", "", 3)]
    [InlineData("needs", "needs", 0)]
    [InlineData("need", "needs", 1)]
    [InlineData("nedes", "needs", 1)] // one transposition
    [InlineData("ca", "abc", 3)]      // OSA, not Damerau: no edit of a transposed pair
    [InlineData("kitten", "sitting", 3)]
    [InlineData("café", "cafe", 1)]
    public void Known_distances(string pattern, string text, int expected)
    {
        Assert.Equal(expected, new EditDistance(pattern).To(text));
        Assert.Equal(expected, Table(pattern, text));
    }

    [Fact]
    public void Random_names_up_to_64_characters_agree_with_the_table()
    {
        var random = new Random(12);
        for (var i = 0; i < 2000; i++)
        {
            var a = Name(random, random.Next(1, 65));
            var b = Name(random, random.Next(0, 70));
            Assert.True(Table(a, b) == new EditDistance(a).To(b), $"{a} / {b}");
        }
    }

    private static string Name(Random random, int length) => new(Enumerable.Range(0, length).Select(_ => "ab_é"[random.Next(4)]).ToArray());

    /// <summary>Optimal string alignment distance, the O(m·n) table.</summary>
    private static int Table(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }

        return d[a.Length, b.Length];
    }
}
