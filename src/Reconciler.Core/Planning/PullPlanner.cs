using System.Globalization;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;

namespace Reconciler.Core.Planning;

/// <summary>
/// Emits one <see cref="PullImage"/> per distinct image (by normalized reference) that some service
/// with containers wanted asks to pull, under its <c>pull_policy</c>:
/// <list type="bullet">
/// <item><c>missing</c> / <c>if_not_present</c>: when the image is not present;</item>
/// <item><c>always</c>: when not present, when the service's containers are created or recreated in
/// this plan, or when <see cref="PlanOptions.PullAlways"/>;</item>
/// <item><c>never</c>: never; an error when the image is missing and containers must be created;</item>
/// <item><c>build</c> without a <c>build:</c> section: never; an error when missing;</item>
/// <item><c>daily</c>, <c>weekly</c>, <c>every_&lt;duration&gt;</c>: when not present, or when the
/// last pull (<see cref="PlanOptions.LastPulled"/>) is unknown or at least that long ago.</item>
/// </list>
/// Images a service builds (<see cref="BuildPlanner.IsBuilt"/>) are left to <see cref="BuildPlanner"/>.
/// When several services share an image, the first (by name) that asks gives the reason.
/// </summary>
internal static class PullPlanner
{
    public static List<PullImage> Plan(
        DesiredProject desired, ObservedState observed, PlanOptions options,
        IReadOnlyDictionary<string, ServiceOutcome> outcomes, List<PlanProblem> problems)
    {
        var pulls = new List<PullImage>();
        var groups = desired.Services.Values
            .Where(s => ServicePlanner.WantedReplicas(s) > 0 && !BuildPlanner.IsBuilt(s))
            .GroupBy(s => ImageReference.Normalize(s.Image))
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var services = group.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            var present = ImageReference.LocalId(observed.LocalImages, services[0].Image) is not null;
            string? reason = null;
            foreach (var service in services)
            {
                var creates = outcomes.TryGetValue(service.Name, out var outcome) && outcome.CreatesContainers;
                var asks = ReasonToPull(service, present, creates, options, problems);
                reason ??= asks;
            }
            if (reason is not null)
            {
                pulls.Add(new PullImage { Image = services[0].Image, Services = [.. services.Select(s => s.Name)], Reason = reason });
            }
        }
        return pulls;
    }

    private static string? ReasonToPull(DesiredService service, bool present, bool creates, PlanOptions options, List<PlanProblem> problems)
    {
        var policy = PullPolicy.Parse(service.PullPolicy);
        var subject = $"image {service.Image}";
        switch (policy.Kind)
        {
            case PullPolicyKind.Invalid:
                problems.Add(new PlanProblem(ProblemKind.InvalidPullPolicy, service.Name, subject,
                    $"pull_policy \"{policy.Text}\" unreadable; pulling only when missing"));
                return present ? null : "image missing";
            case PullPolicyKind.Missing:
                return present ? null : "image missing";
            case PullPolicyKind.Always:
                return !present ? "image missing" : creates || options.PullAlways ? "pull_policy always" : null;
            case PullPolicyKind.Never:
                if (!present && creates)
                {
                    problems.Add(new PlanProblem(ProblemKind.ImageMissing, service.Name, subject,
                        "not present and pull_policy is never; load or pull it by hand"));
                }
                return null;
            case PullPolicyKind.Build:
                if (!present && creates)
                {
                    problems.Add(new PlanProblem(ProblemKind.ImageMissing, service.Name, subject,
                        "not present and pull_policy is build, but the service has no build: section to build it from"));
                }
                return null;
            case PullPolicyKind.Refresh:
                if (!present)
                {
                    return "image missing";
                }
                if (!TryLastPulled(options.LastPulled, service.Image, out var last))
                {
                    return $"last pull unknown (pull_policy {policy.Text})";
                }
                var age = options.Now - last;
                return age >= policy.Period ? $"last pulled {Age(age)} ago (pull_policy {policy.Text})" : null;
            default:
                throw new InvalidOperationException($"unhandled pull policy {policy.Kind}");
        }
    }

    /// <summary>
    /// The latest pull of <paramref name="image"/> under any spelling: the daemon records the
    /// reference as the pull wrote it (the first service's), and another service may spell the same
    /// image differently (<c>nginx</c>, <c>docker.io/library/nginx:latest</c>).
    /// </summary>
    private static bool TryLastPulled(IReadOnlyDictionary<string, DateTimeOffset> lastPulled, string image, out DateTimeOffset last)
    {
        var normalized = ImageReference.Normalize(image);
        var found = false;
        last = default;
        foreach (var (reference, at) in lastPulled)
        {
            if ((reference == image || ImageReference.Normalize(reference) == normalized) && (!found || at > last))
            {
                (found, last) = (true, at);
            }
        }
        return found;
    }

    /// <summary>Two units at most: <c>3d4h</c>, <c>5h20m</c>, <c>12m</c>.</summary>
    internal static string Age(TimeSpan age)
    {
        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        if (age.TotalDays >= 1)
        {
            return N((int)age.TotalDays) + "d" + (age.Hours > 0 ? N(age.Hours) + "h" : "");
        }
        if (age.TotalHours >= 1)
        {
            return N(age.Hours) + "h" + (age.Minutes > 0 ? N(age.Minutes) + "m" : "");
        }
        return N(Math.Max(age.Minutes, 0)) + "m";
    }
}
