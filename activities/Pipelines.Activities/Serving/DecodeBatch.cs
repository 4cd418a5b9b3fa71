using Pipelines.Activities.Models.Export.Onnx;

namespace Pipelines.Activities.Serving;

/// <summary>
/// The running batch's cache between decode steps. While the same sequences decode together, a step's present keys and
/// values feed the next step as they are; only when one joins or leaves are the rows split back into per-sequence
/// caches and padded into a new batch. Padding and splitting every cache at every step made 16 streams slower than
/// one request at a time on the mini model (copies and large-object garbage outweighed the batched matrix products).
/// </summary>
internal sealed class DecodeBatch(OnnxDecoder decoder) : IDisposable
{
    private OnnxKvCache? _cache;
    private List<ServedSequence> _members = [];

    /// <summary>The cache for one step of <paramref name="sequences"/>, row for row in this order.</summary>
    public OnnxKvCache For(IReadOnlyList<ServedSequence> sequences)
    {
        if (_cache is not null && _members.SequenceEqual(sequences)) return _cache;
        Dissolve();
        _cache = SequenceCache.Batch(sequences.Select(s => s.TakeCache()).ToList(), decoder);
        _members = [.. sequences];
        return _cache;
    }

    /// <summary>Gives every member still running its own cache back and frees the batch's (a finished member's rows go with it).</summary>
    public void Dissolve()
    {
        if (_cache is null) return;
        for (var row = 0; row < _members.Count; row++)
        {
            if (!_members[row].Finished) _members[row].Cache = SequenceCache.Split(_cache, row, _members[row].Held, decoder);
        }

        _cache.Dispose();
        (_cache, _members) = (null, []);
    }

    public void Dispose() => _cache?.Dispose();
}
