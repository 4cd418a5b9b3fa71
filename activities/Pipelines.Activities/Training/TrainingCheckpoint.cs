using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

/// <summary>
/// One checkpoint of a training run in one file (saved atomically by the step's checkpoint store): the
/// <see cref="TrainingState"/> as JSON, the random generators' states (global and the run's dropout generator), the trainable weights, the best
/// weights so far, and the optimizer's moments. Restoring all of them continues the run bit for bit on CPU.
/// </summary>
public static class TrainingCheckpoint
{
    public const string Name = "training.state";
    const int Format = 2;

    public static void Write(Stream stream, TrainingState state, IReadOnlyList<(string Name, Parameter Parameter)> trainable,
        IReadOnlyList<Tensor>? best, OptimizerHelper optimizer, Generator dropout)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Format);
        writer.Write(JsonSerializer.Serialize(state));

        using (var rng = torch.random.get_rng_state()) WriteBytes(writer, rng);
        using (var rng = dropout.get_state()) WriteBytes(writer, rng);

        writer.Write(trainable.Count);
        foreach (var (name, parameter) in trainable)
        {
            writer.Write(name);
            using var cpu = parameter.detach().cpu();
            cpu.Save(writer);
        }

        writer.Write(best is not null);
        if (best is not null)
        {
            foreach (var tensor in best)
            {
                using var cpu = tensor.cpu();
                cpu.Save(writer);
            }
        }
        optimizer.save_state_dict(writer);
    }

    /// <summary>Restores weights, generator and optimizer in place; returns the state and the best weights saved.</summary>
    /// <exception cref="InvalidDataException">The checkpoint belongs to a different model or adapter layout.</exception>
    public static (TrainingState State, List<Tensor>? Best) Read(Stream stream, IReadOnlyList<(string Name, Parameter Parameter)> trainable,
        OptimizerHelper optimizer, Generator dropout)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (reader.ReadInt32() != Format) throw new InvalidDataException("The training checkpoint was written by another format version.");
        var state = JsonSerializer.Deserialize<TrainingState>(reader.ReadString())
                    ?? throw new InvalidDataException("The training checkpoint has no state.");

        using (var rng = ReadBytes(reader)) torch.random.set_rng_state(rng);
        using (var rng = ReadBytes(reader)) dropout.set_state(rng);

        var count = reader.ReadInt32();
        if (count != trainable.Count)
            throw new InvalidDataException($"The training checkpoint holds {count} trainable tensors; this run has {trainable.Count}.");
        using (no_grad())
        {
            foreach (var (name, parameter) in trainable)
            {
                var saved = reader.ReadString();
                if (saved != name) throw new InvalidDataException($"The training checkpoint holds {saved} where this run has {name}.");
                using var loaded = torch.zeros(parameter.shape, parameter.dtype);
                loaded.Load(reader);
                parameter.copy_(loaded);
            }
        }

        List<Tensor>? best = null;
        if (reader.ReadBoolean())
        {
            best = [];
            foreach (var (_, parameter) in trainable)
            {
                var tensor = torch.zeros(parameter.shape, parameter.dtype);
                tensor.Load(reader);
                best.Add(tensor.to(parameter.device));
            }
        }
        optimizer.load_state_dict(reader);
        return (state, best);
    }

    static void WriteBytes(BinaryWriter writer, Tensor bytes)
    {
        var content = bytes.data<byte>().ToArray();
        writer.Write(content.Length);
        writer.Write(content);
    }

    static Tensor ReadBytes(BinaryReader reader) => torch.tensor(reader.ReadBytes(reader.ReadInt32()), dtype: ScalarType.Byte);
}
