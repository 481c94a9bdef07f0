using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>
/// Networks and volumes, matched by engine name. Emits <see cref="CreateNetwork"/> and
/// <see cref="CreateVolume"/> for missing ones; reports (never acts on) external ones that are
/// missing and existing ones whose configuration differs. Nothing here removes anything.
/// </summary>
internal static class ResourcePlanner
{
    public static List<CreateNetwork> Networks(DesiredProject desired, ObservedState observed, List<PlanProblem> problems)
    {
        var creates = new List<CreateNetwork>();
        foreach (var spec in desired.Networks.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            var found = observed.Networks.FirstOrDefault(n => n.Name == spec.Name);
            if (found is null)
            {
                creates.Add(new CreateNetwork { Network = spec, Reason = "network missing" });
                continue;
            }
            var subject = $"network {spec.Name}";
            if (found.Labels.GetValueOrDefault(ComposeLabels.Project) != desired.Name)
            {
                problems.Add(new PlanProblem(ProblemKind.NotOwnedByProject, null, subject,
                    "exists but was not created by this project; used as-is (declare it external to say so)"));
            }

            var differences = new List<string>();
            if (found.Driver.Length > 0 && spec.Driver.Length > 0 && found.Driver != spec.Driver)
            {
                differences.Add($"driver {found.Driver} → {spec.Driver}");
            }
            if (found.Internal != spec.Internal)
            {
                differences.Add($"internal {Bool(found.Internal)} → {Bool(spec.Internal)}");
            }
            if (found.Options is { } options)
            {
                // The engine adds defaults of its own, so only the options we ask for are compared.
                foreach (var (key, value) in spec.DriverOpts.OrderBy(o => o.Key, StringComparer.Ordinal))
                {
                    var current = options.GetValueOrDefault(key);
                    if (current != value)
                    {
                        differences.Add($"driver_opts.{key} {current ?? "(unset)"} → {value}");
                    }
                }
            }
            if (differences.Count > 0)
            {
                // compose stops here and asks to recreate the network; a daemon must not decide that alone.
                problems.Add(new PlanProblem(ProblemKind.NetworkConfigChanged, null, subject,
                    $"{string.Join("; ", differences)}; Reconciler never recreates networks: remove it by hand to have it created anew"));
            }
        }

        foreach (var name in desired.ExternalNetworks.Distinct().Order(StringComparer.Ordinal))
        {
            if (!observed.Networks.Any(n => n.Name == name))
            {
                problems.Add(new PlanProblem(ProblemKind.ExternalNetworkMissing, null, $"network {name}",
                    "declared external but not found; create it (docker network create)"));
            }
        }
        return creates;
    }

    public static List<CreateVolume> Volumes(DesiredProject desired, ObservedState observed, List<PlanProblem> problems)
    {
        var creates = new List<CreateVolume>();
        foreach (var spec in desired.Volumes.Values.OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            var found = observed.Volumes.FirstOrDefault(v => v.Name == spec.Name);
            if (found is null)
            {
                creates.Add(new CreateVolume { Volume = spec, Reason = "volume missing" });
                continue;
            }
            var subject = $"volume {spec.Name}";
            if (found.Labels.GetValueOrDefault(ComposeLabels.Project) != desired.Name)
            {
                problems.Add(new PlanProblem(ProblemKind.NotOwnedByProject, null, subject,
                    "exists but was not created by this project; used as-is (declare it external to say so)"));
            }
            if (found.Driver.Length > 0 && spec.Driver.Length > 0 && found.Driver != spec.Driver)
            {
                problems.Add(new PlanProblem(ProblemKind.VolumeConfigChanged, null, subject,
                    $"driver {found.Driver} → {spec.Driver}; Reconciler never recreates volumes (their data would be lost): migrate it by hand"));
            }
        }

        foreach (var name in desired.ExternalVolumes.Distinct().Order(StringComparer.Ordinal))
        {
            if (!observed.Volumes.Any(v => v.Name == name))
            {
                problems.Add(new PlanProblem(ProblemKind.ExternalVolumeMissing, null, $"volume {name}",
                    "declared external but not found; create it (docker volume create)"));
            }
        }
        return creates;
    }

    /// <summary>Engine names of the networks a service's containers attach to (endpoints and network_mode).</summary>
    public static IEnumerable<string> NetworksUsedBy(DesiredService service)
    {
        var template = service.Template;
        return template.Networks.Keys.Append(template.Host.NetworkMode).Distinct(StringComparer.Ordinal);
    }

    /// <summary>Names of the named volumes a service's containers mount (mounts of type volume, and binds whose source is a name).</summary>
    public static IEnumerable<string> VolumesUsedBy(DesiredService service)
    {
        var host = service.Template.Host;
        var fromMounts = host.Mounts.Where(m => m.Type == "volume" && !string.IsNullOrEmpty(m.Source)).Select(m => m.Source!);
        var fromBinds = host.Binds.Select(b => b.Split(':')[0]).Where(s => s.Length > 0 && s[0] is not ('/' or '.' or '~' or '$'));
        return fromMounts.Concat(fromBinds).Distinct(StringComparer.Ordinal);
    }

    private static string Bool(bool b) => b ? "true" : "false";
}
