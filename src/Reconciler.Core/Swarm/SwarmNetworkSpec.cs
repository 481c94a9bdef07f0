using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>A network the stack creates (<c>POST /networks/create</c> as the CLI fills it: overlay unless a driver is given).</summary>
public sealed record SwarmNetworkSpec
{
    public required string Name { get; init; }
    public required string Driver { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableSortedDictionary<string, string>? Options { get; init; }
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    /// <summary>Null: the engine's default pool.</summary>
    public string? IpamDriver { get; init; }
    public ImmutableArray<string> Subnets { get; init; } = [];
}
