using Reconciler.Core.Building;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>
/// Emits one <see cref="BuildImage"/> per distinct image that a service with <c>build:</c> and
/// containers wanted must build, judged by the build digest label of the local image
/// (<see cref="ObservedState.BuildDigests"/>) against the desired one, under its <c>pull_policy</c>:
/// <list type="bullet">
/// <item><c>build</c>: when the image is missing or was built from other inputs, or not by Reconciler (then once);</item>
/// <item><c>missing</c> (default), <c>if_not_present</c>, <c>never</c>: when the image is missing or
/// Reconciler built it from other inputs; an image present without the label (pulled, or built by
/// <c>docker compose build</c>) is used as it is, as compose uses a present image;</item>
/// <item><c>always</c>, <c>daily</c>, <c>weekly</c>, <c>every_&lt;duration&gt;</c> with <c>image:</c>: never
/// (<see cref="PullPlanner"/> pulls it, as compose does); without <c>image:</c> as <c>missing</c>.</item>
/// </list>
/// Reports <see cref="ProblemKind.InvalidPullPolicy"/> for a policy it cannot read (then as <c>missing</c>).
/// </summary>
internal static class BuildPlanner
{
    /// <summary>Whether the service's image comes from its build (else from a pull or the host).</summary>
    public static bool IsBuilt(DesiredService service) =>
        service.Build is { } build
        && !(build.ImageNamed && PullPolicy.Parse(service.PullPolicy).Kind is PullPolicyKind.Always or PullPolicyKind.Refresh);

    public static List<BuildImage> Plan(DesiredProject desired, ObservedState observed, List<PlanProblem> problems)
    {
        var builds = new List<BuildImage>();
        var groups = desired.Services.Values
            .Where(s => ServicePlanner.WantedReplicas(s) > 0 && IsBuilt(s))
            .GroupBy(s => ImageReference.Normalize(s.Image))
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            // Services sharing an image build it once, from the first by name (compose would build it twice, the last one winning).
            var services = group.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            var first = services[0];
            if (ReasonToBuild(first, observed, problems) is { } reason)
            {
                builds.Add(new BuildImage { Image = first.Image, Services = [.. services.Select(s => s.Name)], Build = first.Build!, Reason = reason });
            }
        }
        return builds;
    }

    private static string? ReasonToBuild(DesiredService service, ObservedState observed, List<PlanProblem> problems)
    {
        var policy = PullPolicy.Parse(service.PullPolicy);
        if (policy.Kind == PullPolicyKind.Invalid)
        {
            problems.Add(new PlanProblem(ProblemKind.InvalidPullPolicy, service.Name, $"image {service.Image}",
                $"pull_policy \"{policy.Text}\" unreadable; building only when missing or changed"));
        }
        if (ImageReference.LocalId(observed.LocalImages, service.Image) is not { } id) return "image missing";
        var wanted = service.Build!.Digest;
        if (!observed.BuildDigests.TryGetValue(id, out var built))
        {
            return policy.Kind == PullPolicyKind.Build ? "image not built by Reconciler (pull_policy build)" : null;
        }
        return built == wanted ? null : $"build inputs changed ({BuildDigest.Short(built)} → {BuildDigest.Short(wanted)})";
    }
}
