using System.Collections.Immutable;
using System.Text;

namespace Reconciler.Core.Swarm;

/// <summary>
/// What to change on the Swarm for a stack, in order: networks, secrets and configs, services, then
/// what nothing refers to any more. Empty when the stack is in sync. Problems block the plan.
/// </summary>
public sealed record SwarmPlan
{
    public required string Stack { get; init; }
    public ImmutableArray<SwarmAction> Actions { get; init; } = [];
    public ImmutableArray<string> Problems { get; init; } = [];

    public bool IsBlocked => !Problems.IsEmpty;
    public bool IsEmpty => Actions.IsEmpty && Problems.IsEmpty;

    /// <summary>Deterministic: what <c>reconciler plan</c> would print and golden tests compare.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var p in Problems) text.Append("! ").AppendLine(p);
        foreach (var a in Actions) text.AppendLine(a.Describe());
        return text.Length == 0 ? "in sync\n" : text.ToString();
    }

    /// <summary>What <c>reconciler plan --stack NAME --json</c> prints (<see cref="SwarmPlanJson"/>).</summary>
    public string ToJson() => SwarmPlanJson.Write(this);
}

/// <summary>One engine call on the Swarm, with why it is needed.</summary>
public abstract record SwarmAction(string Cause)
{
    public abstract string Describe();
}

public sealed record CreateSwarmNetwork(SwarmNetworkSpec Network) : SwarmAction("missing")
{
    public override string Describe() => $"create network {Network.Name} ({Network.Driver}): {Cause}";
}

/// <summary>A secret or config under its versioned name (see <see cref="SwarmPlanner.VersionedName"/>).</summary>
public sealed record CreateSwarmObject(SwarmObjectSpec Object, string VersionedName) : SwarmAction("new content")
{
    public override string Describe() => $"create {Object.Kind.ToString().ToLowerInvariant()} {VersionedName}: {Cause}";
}

public sealed record CreateSwarmService(SwarmServiceSpec Spec) : SwarmAction("missing")
{
    public override string Describe() => $"create service {Spec.Name}: {Cause}";
}

/// <summary>An update names the version it was planned against, so a concurrent change fails instead of being overwritten.</summary>
public sealed record UpdateSwarmService(string Id, ulong Version, SwarmServiceSpec Spec, ImmutableArray<string> Changes)
    : SwarmAction("spec changed")
{
    public override string Describe() =>
        $"update service {Spec.Name}: {Cause} ({string.Join("; ", Changes.Take(5))}{(Changes.Length > 5 ? $"; {Changes.Length - 5} more" : "")})";
}

public sealed record RemoveSwarmService(string Id, string Name) : SwarmAction("not in the stack any more (prune)")
{
    public override string Describe() => $"remove service {Name}: {Cause}";
}

public sealed record RemoveSwarmObject(SwarmObjectKind Kind, string Id, string Name) : SwarmAction("an old version no service refers to")
{
    public override string Describe() => $"remove {Kind.ToString().ToLowerInvariant()} {Name}: {Cause}";
}
