namespace Reconciler.Core.Planning;

public enum ProblemSeverity
{
    /// <summary>Reported; the plan is still applied.</summary>
    Warning,

    /// <summary>The desired state cannot be reached without a human: the plan is blocked (<see cref="Plan.IsBlocked"/>).</summary>
    Error,
}

/// <summary>What the planner found and will not act on. The name doubles as the status reason.</summary>
public enum ProblemKind
{
    /// <summary>A container without this project's labels holds a name the project wants. Error.</summary>
    NameConflict,

    /// <summary>An external network does not exist. Error.</summary>
    ExternalNetworkMissing,

    /// <summary>An external volume does not exist. Error.</summary>
    ExternalVolumeMissing,

    /// <summary>A network's driver, options or <c>internal</c> flag differ; compose asks to recreate it, we never do. Error.</summary>
    NetworkConfigChanged,

    /// <summary>A volume's driver differs; recreating it would lose its data, so we never do. Error.</summary>
    VolumeConfigChanged,

    /// <summary>The image is not present and its <c>pull_policy</c> (<c>never</c>, <c>build</c> without a <c>build:</c> section) forbids pulling it. Error.</summary>
    ImageMissing,

    /// <summary>A <c>pull_policy</c> that cannot be read (e.g. <c>every_soon</c>); treated as <c>missing</c>. Error.</summary>
    InvalidPullPolicy,

    /// <summary>
    /// <c>container_name</c> with more than one replica; one is run. Error. The loader already refuses
    /// it in a compose file, as compose-go does; this covers a desired state built any other way.
    /// </summary>
    ContainerNameWithReplicas,

    /// <summary>Services depend on each other in a circle. Error.</summary>
    DependencyCycle,

    /// <summary>A network or volume of the wanted name exists but was not created for this project; it is used as-is. Warning.</summary>
    NotOwnedByProject,

    /// <summary>An update order other than stop-first / start-first; stop-first is used. Warning.</summary>
    UnknownUpdateOrder,

    /// <summary>A container of a service no longer in the project, kept because orphan removal is off. Warning.</summary>
    OrphanKept,

    /// <summary>A paused container is left paused. Warning.</summary>
    ContainerPaused,

    /// <summary>A restarting container is left to its restart policy. Warning.</summary>
    ContainerRestarting,

    /// <summary>A container is being removed, or is in a state the planner does not know; nothing is done this time. Warning.</summary>
    ContainerUnsettled,
}

/// <summary>A problem the plan reports without acting on it.</summary>
/// <param name="Service">The compose service concerned, when any.</param>
/// <param name="Subject">What it is about: a container name, <c>network proxy</c>, <c>image app:1.0</c>.</param>
/// <param name="Message">For humans; says what to do when there is something to do.</param>
public sealed record PlanProblem(ProblemKind Kind, string? Service, string Subject, string Message)
{
    public ProblemSeverity Severity => Kind switch
    {
        ProblemKind.NotOwnedByProject
            or ProblemKind.UnknownUpdateOrder
            or ProblemKind.OrphanKept
            or ProblemKind.ContainerPaused
            or ProblemKind.ContainerRestarting
            or ProblemKind.ContainerUnsettled => ProblemSeverity.Warning,
        _ => ProblemSeverity.Error,
    };
}
