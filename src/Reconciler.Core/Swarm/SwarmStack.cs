using System.Collections.Immutable;
using Reconciler.Core.Compose;

namespace Reconciler.Core.Swarm;

/// <summary>
/// What <c>docker stack deploy</c> would create for a stack: networks, secrets, configs and
/// service specs, plus the warnings it prints. Produced by <see cref="SwarmStackConverter"/>.
/// </summary>
public sealed record SwarmStack
{
    public required string Name { get; init; }
    /// <summary>Networks to create, keyed by engine name (only those a service uses, as the CLI does).</summary>
    public ImmutableSortedDictionary<string, SwarmNetworkSpec> Networks { get; init; } = ImmutableSortedDictionary<string, SwarmNetworkSpec>.Empty;
    /// <summary>External networks a service uses: they must exist with swarm scope.</summary>
    public ImmutableArray<string> ExternalNetworks { get; init; } = [];
    public ImmutableArray<SwarmObjectSpec> Secrets { get; init; } = [];
    public ImmutableArray<SwarmObjectSpec> Configs { get; init; } = [];
    /// <summary>Keyed by compose service name.</summary>
    public ImmutableSortedDictionary<string, SwarmServiceSpec> Services { get; init; } = ImmutableSortedDictionary<string, SwarmServiceSpec>.Empty;
    /// <summary>Warnings with file:line, one per key; never errors (a stack with errors is not returned).</summary>
    public ImmutableArray<Diagnostic> Warnings { get; init; } = [];
    /// <summary>The warnings as <c>docker stack deploy</c> prints them (its exact text), for side-by-side checks.</summary>
    public ImmutableArray<string> CliWarnings { get; init; } = [];
}

/// <summary>A stack, or the errors that keep it from Swarm (with the warnings found on the way).</summary>
public sealed record SwarmConversion(SwarmStack? Stack, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Stack is not null;
}
