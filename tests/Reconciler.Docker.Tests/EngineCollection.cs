namespace Reconciler.Docker.Tests;

/// <summary>One <see cref="EngineFixture"/> for every engine-backed test of this project.</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "docker engine";
}
