using Pipelines.Activities;
using Pipelines.Definitions;

namespace Pipelines.Engine.Tests.Validation;

public sealed class ProbeScratch
{
    [Fact]
    public void Probe()
    {
        var catalog = BuiltInActivities.CreateCatalog();
        var sb = new System.Text.StringBuilder();
        foreach (var f in Directory.GetFiles("/tmp/probe", "*.yaml").Order())
        {
            sb.Append("=== ").Append(Path.GetFileName(f)).Append('\n');
            try
            {
                var r = PipelineLoader.Load(Path.GetFileName(f), File.ReadAllBytes(f), catalog);
                foreach (var d in r.Diagnostics) sb.Append(d).Append('\n');
                sb.Append("ok=").Append(r.Succeeded).Append('\n');
            }
            catch (Exception e) { sb.Append("THROW ").Append(e).Append('\n'); }
        }
        File.WriteAllText("/tmp/probe/out.txt", sb.ToString());
    }
}
