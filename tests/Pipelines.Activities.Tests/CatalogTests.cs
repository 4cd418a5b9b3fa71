namespace Pipelines.Activities.Tests;

public sealed class CatalogTests
{
    [Fact]
    public void Every_built_in_activity_has_a_description_and_a_category()
    {
        var catalog = BuiltInActivities.CreateCatalog();
        Assert.NotEmpty(catalog.All);
        Assert.All(catalog.All, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Description), d.Type);
            Assert.False(string.IsNullOrWhiteSpace(d.Category), d.Type);
        });
    }
}
