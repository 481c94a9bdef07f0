using System.Collections.Immutable;

namespace Reconciler.Core.Desired;

/// <summary>A network to create, in engine terms (<c>POST /networks/create</c>).</summary>
public sealed record NetworkSpec
{
    /// <summary>The engine's name (compose: <c>&lt;project&gt;_&lt;key&gt;</c> unless <c>name:</c> is set).</summary>
    public required string Name { get; init; }
    public string Driver { get; init; } = "bridge";
    public ImmutableSortedDictionary<string, string> DriverOpts { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public bool EnableIPv6 { get; init; }
    public IpamSpec? Ipam { get; init; }
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

public sealed record IpamSpec
{
    public string? Driver { get; init; }
    public ImmutableArray<IpamPoolSpec> Config { get; init; } = [];
    public ImmutableSortedDictionary<string, string> Options { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}

public sealed record IpamPoolSpec(string? Subnet, string? IpRange, string? Gateway, ImmutableSortedDictionary<string, string> AuxAddresses);

/// <summary>A named volume to create (<c>POST /volumes/create</c>). Reconciler never removes one.</summary>
public sealed record VolumeSpec
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "local";
    public ImmutableSortedDictionary<string, string> DriverOpts { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
}
