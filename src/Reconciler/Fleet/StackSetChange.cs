using System.Collections.Immutable;
using Reconciler.Configuration;

namespace Reconciler.Fleet;

/// <summary>
/// How the stacks a host runs change when a new host file is used: stacks added (start them),
/// removed (stop them, prune where allowed), changed (restart them on the new definition) and kept
/// (only where they were declared moved on: a new commit of the same file). Pure.
/// </summary>
public sealed record StackSetChange(
    ImmutableArray<StackConfig> Added,
    ImmutableArray<StackConfig> Removed,
    ImmutableArray<(StackConfig Old, StackConfig New)> Changed,
    ImmutableArray<StackConfig> Kept)
{
    public bool IsEmpty => Added.IsEmpty && Removed.IsEmpty && Changed.IsEmpty;

    public static StackSetChange Of(IEnumerable<StackConfig> current, IEnumerable<StackConfig> next)
    {
        var before = current.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var after = next.ToDictionary(s => s.Name, StringComparer.Ordinal);
        return new StackSetChange(
            [.. after.Values.Where(s => !before.ContainsKey(s.Name))],
            [.. before.Values.Where(s => !after.ContainsKey(s.Name))],
            [.. after.Values.Where(s => before.TryGetValue(s.Name, out var old) && !SameDefinition(old, s)).Select(s => (before[s.Name], s))],
            [.. after.Values.Where(s => before.TryGetValue(s.Name, out var old) && SameDefinition(old, s))]);
    }

    /// <summary>
    /// Whether two declarations of a stack converge it the same way, whatever file or commit they
    /// came from. Field by field: the records' own equality compares collections by reference.
    /// </summary>
    public static bool SameDefinition(StackConfig a, StackConfig b) =>
        a.Name == b.Name && a.Repo == b.Repo && a.Path == b.Path && a.ProjectName == b.ProjectName
        && a.Files.SequenceEqual(b.Files) && a.Profiles.SequenceEqual(b.Profiles) && a.EnvFiles.SequenceEqual(b.EnvFiles)
        && a.Prune == b.Prune && a.SelfHeal == b.SelfHeal && a.DriftInterval == b.DriftInterval && a.Suspend == b.Suspend
        && a.HealthTimeout == b.HealthTimeout && a.Rollback == b.Rollback
        && a.HostFiles.SequenceEqual(b.HostFiles) && a.PassEnv.SequenceEqual(b.PassEnv)
        && a.Variables.Count == b.Variables.Count && a.Variables.All(v => b.Variables.TryGetValue(v.Key, out var w) && w == v.Value)
        && a.Limits == b.Limits && a.Policy == b.Policy && a.AgeKeyFile == b.AgeKeyFile;
}
