using Reconciler.Core.Planning;
using Reconciler.Core.Policy;

namespace Reconciler.Daemon;

/// <summary>Drift as the dashboard shows it: per container, a kind and the fields that differ.</summary>
internal static class DriftReport
{
    public static IReadOnlyList<DriftItem> Of(Plan plan) =>
    [
        .. plan.Actions.OfType<ContainerAction>().Select(a => new DriftItem(a.Service ?? "", Name(a.Drift),
            a is RecreateContainer rc ? [.. rc.Changes.Select(c => c.Path.Split('.', '[')[0]).Distinct()] : [])),
        .. plan.Problems.Where(p => p.Kind == ProblemKind.NameConflict).Select(p => new DriftItem(p.Service ?? "", "unmanaged_conflict", [])),
    ];

    /// <summary>The one-line summary kept in the stack's record while it is out of sync.</summary>
    public static string Summary(IReadOnlyList<DriftItem> drift) =>
        drift.Count == 0 ? "in sync" : string.Join(", ", drift.Select(d => $"{d.Service}: {d.Reason}{(d.Fields.Count > 0 ? " (" + string.Join(", ", d.Fields) + ")" : "")}"));

    private static string Name(ContainerDrift drift) => drift switch
    {
        ContainerDrift.Missing => "missing",
        ContainerDrift.Stopped => "stopped",
        ContainerDrift.Image => "image",
        ContainerDrift.Orphan => "orphan",
        ContainerDrift.Config => "config",
        _ => throw new ArgumentOutOfRangeException(nameof(drift), drift, "a drift kind without a name"),
    };
}
