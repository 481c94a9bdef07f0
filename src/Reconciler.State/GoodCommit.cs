using System.Collections.Immutable;

namespace Reconciler.State;

/// <summary>
/// One commit that deployed and became healthy, with the exact image each service ran (by digest
/// or id, as <see cref="StackState.LastGoodImages"/>): what image garbage collection keeps so that
/// going back to it needs no registry.
/// </summary>
public sealed record GoodCommit(string Commit, ImmutableSortedDictionary<string, string> Images)
{
    public bool Equals(GoodCommit? other) =>
        other is not null && Commit == other.Commit && Images.Count == other.Images.Count
        && Images.All(p => other.Images.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Commit, Images.Count);
}
