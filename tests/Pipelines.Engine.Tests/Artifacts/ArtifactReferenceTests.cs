using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Artifacts;

namespace Pipelines.Engine.Tests.Artifacts;

public sealed class ArtifactReferenceTests
{
    private const string Digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string Other = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    [Fact]
    public void A_reference_reads_and_writes_as_its_uri()
    {
        Assert.True(ArtifactReference.TryParse($"artifact://sha256/{Digest}", out var reference));

        Assert.Equal(Digest, reference.Digest);
        Assert.Equal($"artifact://sha256/{Digest}", reference.Uri);
        Assert.Equal(reference.Uri, reference.ToString());
        Assert.Equal(new ArtifactReference(Digest), reference);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(Digest)]
    [InlineData("artifact://sha256/")]
    [InlineData("artifact://sha256/9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")]
    [InlineData("artifact://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0")]
    [InlineData("artifact://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088")]
    [InlineData("artifact://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g")]
    [InlineData("artifact://md5/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("ARTIFACT://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData(" artifact://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    [InlineData("artifact://sha256/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n")]
    [InlineData("artifact://sha256/../../9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f0")]
    public void Anything_but_the_exact_scheme_and_64_lowercase_hex_is_not_a_reference(string? text)
    {
        Assert.False(ArtifactReference.TryParse(text, out var reference));
        Assert.Null(reference);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")]
    public void A_digest_that_is_not_64_lowercase_hex_is_refused(string digest)
    {
        Assert.Throws<ArgumentException>(() => new ArtifactReference(digest));
    }

    [Fact]
    public void FindIn_finds_references_nested_in_objects_and_arrays_once_each_in_document_order()
    {
        var json = JsonNode.Parse($$"""
            {
              "model": "artifact://sha256/{{Other}}",
              "runs": [
                { "adapter": "artifact://sha256/{{Digest}}", "loss": 0.5 },
                [ "artifact://sha256/{{Other}}", ["artifact://sha256/{{Digest}}"] ]
              ]
            }
            """);

        var found = ArtifactReference.FindIn(json);

        Assert.Equal([new ArtifactReference(Other), new ArtifactReference(Digest)], found);
    }

    [Fact]
    public void FindIn_ignores_lookalikes_keys_and_embedded_references()
    {
        var json = JsonNode.Parse($$"""
            {
              "artifact://sha256/{{Digest}}": "a key is not a value",
              "upper": "artifact://sha256/{{Digest.ToUpperInvariant()}}",
              "short": "artifact://sha256/{{Digest[..63]}}",
              "embedded": "see artifact://sha256/{{Digest}}",
              "padded": "artifact://sha256/{{Digest}} ",
              "scheme": "artifact://md5/{{Digest}}",
              "bare": "{{Digest}}",
              "number": 42,
              "flag": true,
              "nothing": null
            }
            """);

        Assert.Empty(ArtifactReference.FindIn(json));
        Assert.Empty(ArtifactReference.FindIn(null));
    }

    [Fact]
    public void FindIn_accepts_a_single_string_value()
    {
        Assert.Equal([new ArtifactReference(Digest)], ArtifactReference.FindIn(JsonValue.Create($"artifact://sha256/{Digest}")));
    }

    private sealed record Outputs(ArtifactReference Adapter, double Loss);

    [Fact]
    public void An_outputs_record_serializes_references_as_uris_that_FindIn_sees()
    {
        var outputs = new Outputs(new ArtifactReference(Digest), 0.25);

        var json = JsonSerializer.SerializeToNode(outputs);

        Assert.Equal($"artifact://sha256/{Digest}", json!["Adapter"]!.GetValue<string>());
        Assert.Equal([outputs.Adapter], ArtifactReference.FindIn(json));
        Assert.Equal(outputs, json.Deserialize<Outputs>());
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Outputs>("""{"Adapter":"artifact://sha256/nope","Loss":1}"""));
    }
}
