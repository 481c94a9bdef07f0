namespace Reconciler.Core.Planning;

/// <summary>What the caller decides for one plan. Values only: the planner reads no clock and no engine.</summary>
public sealed record PlanOptions
{
    /// <summary>The time the plan is for (from the caller's <c>TimeProvider</c>); judges time-based pull policies.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Remove containers of services no longer in the project; when off they are reported as warnings.</summary>
    public bool RemoveOrphans { get; init; }

    /// <summary>
    /// Pull every image whose service has <c>pull_policy: always</c>, even when none of its containers
    /// is created this time (the daemon sets it for a new commit). Other policies are not affected:
    /// <c>missing</c> keeps meaning "only when absent".
    /// </summary>
    public bool PullAlways { get; init; }

    /// <summary>
    /// When Reconciler last pulled each image (keyed by the reference as the service writes it, or its
    /// normalized form <c>nginx:latest</c>), for <c>daily</c>, <c>weekly</c> and <c>every_&lt;duration&gt;</c>.
    /// </summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastPulled { get; init; } = new Dictionary<string, DateTimeOffset>();
}
