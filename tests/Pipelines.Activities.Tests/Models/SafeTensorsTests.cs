using System.Text;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.SafeTensors;
using static TorchSharp.torch;

namespace Pipelines.Activities.Tests.Models;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TinyModels.TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<ScalarType> DTypes => new(
        ScalarType.Float64, ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16,
        ScalarType.Int64, ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool);

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Every_dtype_round_trips_with_its_shape_and_values(ScalarType dtype)
    {
        var path = _folder.Sub("t.safetensors");
        using var original = arange(0, 24, ScalarType.Float64).sub(7).div(3).view(2, 3, 4).to(dtype);
        using var scalar = tensor(3.0).to(dtype);
        using var empty = zeros([0, 5], dtype);

        SafeTensorsFile.Write(path, [new("a.weight", original), new("scalar", scalar), new("empty", empty)], new Dictionary<string, string> { ["format"] = "pt" });
        using var file = SafeTensorsFile.Open(path);
        using var read = file.Read("a.weight");

        Assert.Equal(dtype, read.dtype);
        Assert.Equal([2L, 3, 4], read.shape);
        Assert.True(TinyModels.Same(read, original));
        Assert.Equal(scalar.shape, file.Read("scalar").shape);
        Assert.Equal([0L, 5], file.Read("empty").shape);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(SafeTensorsDType.NameOf(dtype), file.Tensors["a.weight"].DType);
        Assert.Equal(0, (new FileInfo(path).Length - file.Tensors.Values.Sum(t => t.ByteCount)) % 8);
    }

    [Fact]
    public void The_header_is_the_documented_layout()
    {
        var path = _folder.Sub("t.safetensors");
        SafeTensorsFile.Write(path, [new("x", ones(2, 2))]);

        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd();

        Assert.Equal("{\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", header);
        Assert.Equal(8 + headerLength + 16, bytes.Length);
        Assert.Equal(1f, BitConverter.ToSingle(bytes, (int)(8 + headerLength)));
    }

    [Fact]
    public void A_sharded_checkpoint_reads_back_the_same_tensors()
    {
        var tensors = Enumerable.Range(0, 5).Select(i => new KeyValuePair<string, Tensor>($"layer.{i}.weight", randn(16, 16))).ToList();

        var files = Checkpoint.Write(_folder.Path, tensors, maxShardBytes: 2 * 16 * 16 * 4);
        using var checkpoint = Checkpoint.Open(_folder.Path);

        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], files);
        Assert.True(File.Exists(_folder.Sub("model.safetensors.index.json")));
        Assert.False(File.Exists(_folder.Sub("model.safetensors")));
        Assert.All(tensors, t => Assert.True(TinyModels.Same(checkpoint.Read(t.Key), t.Value)));
        Assert.Equal("model-00003-of-00003.safetensors", Path.GetFileName(checkpoint.PathOf("layer.4.weight")));
    }

    [Fact]
    public void Writing_unsharded_removes_earlier_shards_and_index()
    {
        var tensors = Enumerable.Range(0, 3).Select(i => new KeyValuePair<string, Tensor>($"w{i}", randn(8))).ToList();
        Checkpoint.Write(_folder.Path, tensors, maxShardBytes: 40);

        Checkpoint.Write(_folder.Path, tensors);

        Assert.Equal(["model.safetensors"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("truncated", "shorter than the 8-byte header length")]
    [InlineData("bad-json", "the header is not valid JSON")]
    [InlineData("offsets", "'w' has data_offsets [0, 400] outside the 16-byte data section")]
    [InlineData("size", "'w' is 16 bytes but its shape [3] of F32 needs 12")]
    [InlineData("dtype", "'w' has dtype F8_E4M3, which is not supported")]
    [InlineData("length", "the header length 999999 does not fit")]
    public void A_broken_file_is_an_error_naming_the_file_and_the_problem(string broken, string expected)
    {
        var path = _folder.Sub($"{broken}.safetensors");
        byte[] File(string header, int dataBytes, long? length = null)
        {
            var json = Encoding.UTF8.GetBytes(header);
            return [.. BitConverter.GetBytes(length ?? json.Length), .. json, .. new byte[dataBytes]];
        }

        System.IO.File.WriteAllBytes(path, broken switch
        {
            "truncated" => [1, 2, 3],
            "bad-json" => File("{\"w\": {", 0),
            "offsets" => File("{\"w\":{\"dtype\":\"F32\",\"shape\":[100],\"data_offsets\":[0,400]}}", 16),
            "size" => File("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16),
            "dtype" => File("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4),
            _ => File("{}", 0, length: 999999),
        });

        var error = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_index_naming_a_missing_shard_is_a_clear_error()
    {
        System.IO.File.WriteAllText(_folder.Sub("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\"}}");

        var error = Assert.Throws<ModelFormatException>(() => Checkpoint.Open(_folder.Path));

        Assert.Contains("lists model-00001-of-00002.safetensors for 'a'", error.Message);
    }
}
