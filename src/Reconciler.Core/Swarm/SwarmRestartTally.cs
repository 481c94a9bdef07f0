using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Task restarts of one stack counted so far, each task once: a restarted task never changes again,
/// so counting its id once makes looking at the same history twice (every pass lists it) harmless.
/// Ids are kept while the engine still lists the task and forgotten once it is gone from the history
/// (it cannot come back). What the engine dropped before anyone looked is not counted: looking at
/// least once per <c>task-history-limit</c> restarts of a slot counts them all. Immutable and pure.
/// </summary>
public sealed record SwarmRestartTally
{
    public static SwarmRestartTally Empty { get; } = new();

    /// <summary>Ids of the restarted tasks already counted that the engine still lists.</summary>
    public ImmutableSortedSet<string> Counted { get; init; } = ImmutableSortedSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>Restarts counted per Swarm service: the counters' values.</summary>
    public ImmutableSortedDictionary<string, long> Totals { get; init; } = ImmutableSortedDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>
    /// Accounts one look at every service of the stack (a complete list: ids not in it are forgotten).
    /// Returns the tally after it and what it added per service (only services with new restarts).
    /// </summary>
    public (SwarmRestartTally Next, ImmutableSortedDictionary<string, long> Added) Observe(IEnumerable<SwarmServiceTasks> services)
    {
        var added = ImmutableSortedDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var counted = Counted.ToBuilder();
        foreach (var service in services)
        {
            foreach (var task in service.Tasks) listed.Add(task.Id);
            foreach (var task in SwarmTaskRestarts.Restarted(service.Tasks))
                if (counted.Add(task.Id)) added[service.Service] = added.GetValueOrDefault(service.Service) + 1;
        }
        counted.IntersectWith(listed);
        var totals = Totals.ToBuilder();
        foreach (var (service, n) in added) totals[service] = totals.GetValueOrDefault(service) + n;
        return (new SwarmRestartTally { Counted = counted.ToImmutable(), Totals = totals.ToImmutable() }, added.ToImmutable());
    }

    /// <summary>Same counted ids and totals (records of immutable collections compare by reference otherwise).</summary>
    public bool SameAs(SwarmRestartTally other) =>
        Counted.SetEquals(other.Counted) && Totals.Count == other.Totals.Count && Totals.All(t => other.Totals.GetValueOrDefault(t.Key, -1) == t.Value);
}
