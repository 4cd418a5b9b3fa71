using Pipelines.Engine.Tests.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Engine.Tests.Runtime;

public sealed class RunIdTests
{
    [Fact]
    public void Ids_made_in_one_millisecond_never_repeat_and_sort_in_the_order_they_were_made()
    {
        var frozen = new SteppedTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var ids = Enumerable.Range(0, 10_000).Select(_ => RunId.New(frozen)).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.True(RunId.IsValid(id), id));
    }

    [Fact]
    public void Ids_made_from_many_threads_at_once_never_repeat()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 20_000, _ => ids.Add(RunId.New(TimeProvider.System)));

        Assert.Equal(20_000, ids.Distinct().Count());
    }
}
