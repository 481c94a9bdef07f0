using System.Collections.Immutable;

namespace Reconciler.Core.Guardrails;

/// <summary>
/// The built-in rules, by stable id: ids appear in config, in <c>x-reconciler.allow</c>, in the
/// <c>rule</c> label of <c>reconciler_policy_findings</c> and in docs, so they never change.
/// </summary>
public static class GuardrailRules
{
    public const string MutableTag = "mutable-tag";
    public const string NoHealthcheck = "no-healthcheck";
    public const string NoLogRotation = "no-log-rotation";
    public const string NoMemoryLimit = "no-memory-limit";
    public const string Privileged = "privileged";
    public const string HostNamespace = "host-namespace";
    public const string DockerSocket = "docker-socket";
    public const string PublicPort = "public-port";

    /// <summary>Every rule id with what it asks of a service, in the order reports list them.</summary>
    public static readonly ImmutableArray<(string Id, string Asks)> All =
    [
        (MutableTag, "an image tag that names one build: not latest, not absent (with require_digest: pinned by @sha256 digest)"),
        (NoHealthcheck, "a healthcheck on every long-running service, so a rollout can wait for it"),
        (NoLogRotation, "log rotation: json-file logging with a max-size option (or the local driver, which rotates)"),
        (NoMemoryLimit, "a memory limit, so one service cannot starve the host"),
        (Privileged, "no privileged: true"),
        (HostNamespace, "no host network, pid, ipc, uts or userns namespace"),
        (DockerSocket, "no bind mount of the Docker socket (it is root on the host)"),
        (PublicPort, "published ports bound to a chosen address, not every interface"),
    ];

    public static bool IsKnown(string id) => All.Any(r => r.Id == id);

    public static string Ids => string.Join(", ", All.Select(r => r.Id));
}
