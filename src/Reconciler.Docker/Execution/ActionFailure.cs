namespace Reconciler.Docker.Execution;

/// <summary>What kind of failure stopped an action, kept from the exception that said so.</summary>
public enum ActionFailureKind
{
    /// <summary>Anything not told apart below.</summary>
    Other,

    /// <summary>The registry has no such repository or tag.</summary>
    ImageNotFound,

    /// <summary>A pull failed for another reason (registry down, refused credentials).</summary>
    PullFailed,

    /// <summary>The builder failed the build (its Dockerfile, a RUN step, a COPY, a base image that does not exist).</summary>
    BuildFailed,

    /// <summary>A build could not reach a registry for its base image, or its context changed meanwhile: may pass by itself.</summary>
    BuildInterrupted,

    /// <summary>A host port the container publishes is bound by something else.</summary>
    PortInUse,

    /// <summary>The engine could not be reached.</summary>
    EngineUnavailable,

    /// <summary>The engine refused the call (a name in use, a bad value, an object gone).</summary>
    EngineRefused,

    /// <summary>A container waited for did not become healthy or complete in time.</summary>
    NotReady,
}

/// <summary>A failed action's kind, with the host ports involved for <see cref="ActionFailureKind.PortInUse"/>.</summary>
public sealed record ActionFailure(ActionFailureKind Kind)
{
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>The one place an exception from the Docker adapter becomes a kind of failure.</summary>
    public static ActionFailure Of(Exception e) => e switch
    {
        ImagePullException { NotFound: true } => new(ActionFailureKind.ImageNotFound),
        ImagePullException => new(ActionFailureKind.PullFailed),
        ImageBuildException { Transient: true } => new(ActionFailureKind.BuildInterrupted),
        ImageBuildException => new(ActionFailureKind.BuildFailed),
        PortInUseException p => new(ActionFailureKind.PortInUse) { Ports = p.Ports },
        DockerEngineUnavailableException => new(ActionFailureKind.EngineUnavailable),
        DockerOperationException => new(ActionFailureKind.EngineRefused),
        TimeoutException => new(ActionFailureKind.NotReady),
        _ => new(ActionFailureKind.Other),
    };
}
