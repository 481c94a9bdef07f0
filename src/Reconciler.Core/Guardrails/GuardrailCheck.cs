using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Guardrails;

/// <summary>
/// Checks a commit's desired state against the built-in rules (<see cref="GuardrailRules"/>). Each
/// rule decides from the engine-level spec the commit would run (<see cref="DesiredService"/>), and
/// points at the key to change through the compose tree the loader kept positions in. Pure: the
/// same project and settings give the same report.
/// </summary>
public static class GuardrailCheck
{
    public static PolicyReport Evaluate(ComposeProject project, DesiredProject desired, GuardrailSettings settings)
    {
        var findings = new List<PolicyFinding>();
        var allowed = new List<AllowedFinding>();
        var errors = new List<Diagnostic>();
        var services = project.Canonical["services"] as MappingNode ?? new MappingNode(project.Canonical.Mark);
        var jobs = OneShotJobs(services);
        foreach (var (name, service) in desired.Services)
        {
            if (services[name] is not MappingNode s) continue;
            var exceptions = ServiceExceptions.Read(name, s, errors);
            var at = new ServiceKeys(name, s, services.KeyMark(name));
            foreach (var (rule, message, where, path) in Check(service, s, at, jobs.Contains(name), settings))
            {
                var level = settings.LevelOf(rule);
                if (level == RuleLevel.Off) continue;
                var finding = new PolicyFinding(rule, name, level, message, where, path);
                if (exceptions.TryGetValue(rule, out var reason)) allowed.Add(new AllowedFinding(finding, reason));
                else findings.Add(finding);
            }
        }
        return new PolicyReport
        {
            Findings = [.. findings.OrderBy(f => f.Service, StringComparer.Ordinal).ThenBy(f => RuleOrder(f.Rule))],
            Allowed = [.. allowed],
            Errors = [.. errors],
        };
    }

    private static int RuleOrder(string rule) => GuardrailRules.All.Select(r => r.Id).ToList().IndexOf(rule);

    private static IEnumerable<(string Rule, string Message, Mark? Where, string Path)> Check(
        DesiredService service, MappingNode s, ServiceKeys at, bool job, GuardrailSettings settings)
    {
        var host = service.Template.Host;
        // A service built here has a local name for a tag: nothing to pin in a registry.
        if (!s.ContainsKey("build") && MutableTag(service.Image, settings.RequireDigest) is { } why)
            yield return (GuardrailRules.MutableTag, why, at.Of("image"), at.Path("image"));

        var health = service.Template.Healthcheck;
        if (!job && service.Replicas > 0 && (health is null || health.Test is ["NONE", ..]))
            yield return (GuardrailRules.NoHealthcheck, health is null
                ? "no healthcheck: add healthcheck: {test: [CMD, …]} so a rollout waits for the service to work (a one-shot job: restart: \"no\" or on-failure)"
                : "the healthcheck is disabled: enable it so a rollout can wait for the service to work",
                at.Of("healthcheck"), at.Path("healthcheck"));

        // Without logging: the engine's default driver, json-file unless daemon.json says otherwise.
        var log = host.LogConfig;
        var driver = log is null || log.Type.Length == 0 ? "json-file" : log.Type;
        if (driver == "json-file" && (log is null || !log.Config.ContainsKey("max-size")))
            yield return (GuardrailRules.NoLogRotation,
                "json-file logs grow without bound: add logging: {driver: json-file, options: {max-size: 10m, max-file: \"3\"}} (or driver: local)",
                at.Of("logging"), at.Path("logging"));

        if (host.Resources.Memory <= 0)
            yield return (GuardrailRules.NoMemoryLimit,
                "no memory limit: set mem_limit: (or deploy.resources.limits.memory:) so one service cannot starve the host",
                at.Of("deploy"), at.Path("deploy"));

        if (host.Privileged)
            yield return (GuardrailRules.Privileged, "privileged: true gives the container every capability and device of the host: add only the cap_add: it needs",
                at.Of("privileged"), at.Path("privileged"));

        foreach (var (key, mode) in new[] { ("network_mode", host.NetworkMode), ("pid", host.PidMode), ("ipc", host.IpcMode), ("uts", host.UTSMode), ("userns_mode", host.UsernsMode) })
            if (mode == "host")
                yield return (GuardrailRules.HostNamespace, $"{key}: host shares the host's namespace with the container: remove it", at.Of(key), at.Path(key));

        if (s["volumes"] is SequenceNode volumes)
            for (var i = 0; i < volumes.Items.Count; i++)
                if (volumes.Items[i] is MappingNode v && v.Str("type") == "bind" && v.Str("source") is { } source && IsDockerSocket(source))
                    yield return (GuardrailRules.DockerSocket, $"{Excerpt.Of(source)} is bind-mounted: whoever runs in the container controls the Docker engine, which is root on the host",
                        v.Mark, at.Item("volumes", i));

        if (s["ports"] is SequenceNode ports)
            for (var i = 0; i < ports.Items.Count; i++)
                if (ports.Items[i] is MappingNode p && p.Str("host_ip") is null or "" or "0.0.0.0" or "::")
                    yield return (GuardrailRules.PublicPort,
                        $"port {Excerpt.Of(p.Str("published") ?? "(any)")}:{Excerpt.Of(p.Str("target") ?? "")} is published on every interface: bind it to an address, like \"127.0.0.1:{Excerpt.Of(p.Str("published") ?? "8080")}:{Excerpt.Of(p.Str("target") ?? "80")}\"",
                        p.Mark, at.Item("ports", i));
    }

    /// <summary>Why the reference names a moving target, or null when it names one build.</summary>
    internal static string? MutableTag(string image, bool requireDigest)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal)) return null;
        // The tag follows the last ':' after the last '/' (a registry's port is before the first '/').
        var lastPart = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastPart.LastIndexOf(':');
        var tag = colon < 0 ? null : lastPart[(colon + 1)..];
        if (tag is null) return $"image {Excerpt.Quoted(image)} has no tag, so it means :latest, which moves with every push: name a version";
        if (tag == "latest") return $"image {Excerpt.Quoted(image)} uses :latest, which moves with every push: name a version";
        return requireDigest ? $"image {Excerpt.Quoted(image)} is not pinned by digest (require_digest is on): write it as {Excerpt.Of(image)}@sha256:…" : null;
    }

    private static readonly string[] SocketDirectories = ["/run", "/var/run", "/run/docker", "/var/run/docker"];

    /// <summary>The socket itself, under whatever name, or a folder that holds it.</summary>
    private static bool IsDockerSocket(string source)
    {
        var path = source.TrimEnd('/');
        return path.EndsWith("/docker.sock", StringComparison.Ordinal) || SocketDirectories.Contains(path) || path.Length == 0;
    }

    /// <summary>
    /// Services that run once and exit — another service waits for them to complete, or their
    /// restart policy says they are not meant to come back — need no healthcheck.
    /// </summary>
    private static HashSet<string> OneShotJobs(MappingNode services)
    {
        var jobs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            if (s.Str("restart") is "no" or "on-failure" || (s.Str("restart")?.StartsWith("on-failure:", StringComparison.Ordinal) ?? false)
                || s.Map("deploy")?.Map("restart_policy")?.Str("condition") is "none" or "on-failure")
                jobs.Add(name);
            if (s.Map("depends_on") is { } deps)
                foreach (var (dep, d) in deps.Entries)
                    if (d is MappingNode dm && dm.Str("condition") == "service_completed_successfully") jobs.Add(dep);
        }
        return jobs;
    }

    /// <summary>Where a service's key was written: the key's own line, else the service's name.</summary>
    private sealed class ServiceKeys(string service, MappingNode s, Mark serviceMark)
    {
        public Mark Of(string key) => s.ContainsKey(key) ? s.KeyMark(key) : serviceMark;
        public string Path(string key) => s.ContainsKey(key) ? $"services.{Excerpt.Of(service)}.{key}" : $"services.{Excerpt.Of(service)}";
        public string Item(string key, int index) => $"services.{Excerpt.Of(service)}.{key}[{index}]";
    }
}
