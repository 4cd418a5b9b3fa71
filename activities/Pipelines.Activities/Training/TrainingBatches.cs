using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

/// <summary>
/// The order examples are seen in: each epoch a permutation drawn from <c>seed + epoch</c>, cut into batches. A
/// position (epoch, batch) is all a checkpoint needs to continue with exactly the same batches.
/// </summary>
public sealed class TrainingBatches(IReadOnlyList<TrainingExample> examples, int batchSize, int seed)
{
    public int BatchesPerEpoch => (examples.Count + batchSize - 1) / batchSize;

    public IReadOnlyList<TrainingExample> Batch(int epoch, int index)
    {
        var order = Permutation(epoch);
        var start = index * batchSize;
        var count = Math.Min(batchSize, examples.Count - start);
        var batch = new TrainingExample[count];
        for (var i = 0; i < count; i++) batch[i] = examples[order[start + i]];
        return batch;
    }

    int[]? _order;
    int _orderEpoch = -1;

    int[] Permutation(int epoch)
    {
        if (_orderEpoch == epoch && _order is not null) return _order;
        var order = Enumerable.Range(0, examples.Count).ToArray();
        new Random(unchecked(seed * 31 + epoch)).Shuffle(order);
        (_order, _orderEpoch) = (order, epoch);
        return order;
    }

    /// <summary>Right-padded <c>[batch, longest]</c> ids and labels (padding is <see cref="TrainingExample.Ignored"/> in labels).</summary>
    public static (Tensor Ids, Tensor Labels) ToTensors(IReadOnlyList<TrainingExample> batch, int padId, Device device)
    {
        var length = batch.Max(e => e.Ids.Length);
        var ids = new long[batch.Count * length];
        var labels = new long[batch.Count * length];
        for (var row = 0; row < batch.Count; row++)
        {
            var example = batch[row];
            for (var i = 0; i < length; i++)
            {
                var inside = i < example.Ids.Length;
                ids[row * length + i] = inside ? example.Ids[i] : padId;
                labels[row * length + i] = inside ? example.Labels[i] : TrainingExample.Ignored;
            }
        }
        return (tensor(ids, [batch.Count, length], device: device), tensor(labels, [batch.Count, length], device: device));
    }
}
