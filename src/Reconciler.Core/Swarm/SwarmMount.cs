using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>A mount of the task's containers (Engine API <c>mount.Mount</c>).</summary>
public sealed record SwarmMount
{
    /// <summary>volume, bind, tmpfs or npipe.</summary>
    public required string Type { get; init; }
    public string? Source { get; init; }
    public required string Target { get; init; }
    public bool ReadOnly { get; init; }
    public string? Consistency { get; init; }
    public SwarmBindOptions? BindOptions { get; init; }
    public SwarmVolumeOptions? VolumeOptions { get; init; }
    public SwarmTmpfsOptions? TmpfsOptions { get; init; }
}

public sealed record SwarmBindOptions(string? Propagation);

public sealed record SwarmVolumeOptions
{
    public bool NoCopy { get; init; }
    public ImmutableSortedDictionary<string, string>? Labels { get; init; }
    public SwarmDriver? DriverConfig { get; init; }
}

public sealed record SwarmTmpfsOptions(long SizeBytes);
