using System.Collections.Immutable;

namespace Reconciler.Configuration;

/// <summary>
/// A host file of the fleet repo (<c>hosts/{host_id}.yaml</c>), read and checked against the
/// daemon config: the stacks this host runs besides the config's own, each with the host's
/// <c>variables:</c> under its own.
/// </summary>
public sealed record HostFile
{
    /// <summary>The stacks the file lists, in its order, with <see cref="StackConfig.Origin"/> naming the file and commit.</summary>
    public ImmutableArray<StackConfig> Stacks { get; init; } = [];

    /// <summary>The host's <c>variables:</c>, already merged into every stack's (a stack's own win).</summary>
    public ImmutableDictionary<string, string> Variables { get; init; } = ImmutableDictionary<string, string>.Empty;
}
