namespace Reconciler.Core.Swarm;

/// <summary>
/// A secret mounted into the service's containers. The engine wants the secret's id, which only
/// the adapter knows: the converter gives the name and leaves <see cref="SecretID"/> empty.
/// </summary>
public sealed record SwarmSecretReference(SwarmFileTarget File, string SecretName, string SecretID = "");

/// <summary>
/// A config mounted into the service's containers (<see cref="File"/>), or one the runtime reads
/// (<see cref="Runtime"/>: a credential spec's); <see cref="ConfigID"/> as for secrets.
/// </summary>
public sealed record SwarmConfigReference(SwarmFileTarget? File, string ConfigName, string ConfigID = "")
{
    public SwarmRuntimeTarget? Runtime { get; init; }
}

/// <summary>Sent as <c>{}</c>: the config is for the container runtime, not a file in the container.</summary>
public sealed record SwarmRuntimeTarget;

/// <summary>Where the file appears: a name under /run/secrets (secrets) or a path (configs); mode as a number (0444 = 292).</summary>
public sealed record SwarmFileTarget(string Name, string UID, string GID, uint Mode);
