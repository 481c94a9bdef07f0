using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// compose: a resource that an included file defines may be defined again by the including file
/// (or another include) only identically; a different definition is an error, not an override,
/// so that including a project cannot silently change it. Overrides belong in a later <c>-f</c> file.
/// </summary>
internal static class ImportConflicts
{
    private static readonly string[] Kinds = ["services", "volumes", "networks", "secrets", "configs"];

    public static void Check(MappingNode imported, MappingNode local, List<Diagnostic> diagnostics)
    {
        foreach (var kind in Kinds)
        {
            if (imported[kind] is not MappingNode theirs || local[kind] is not MappingNode ours) continue;
            foreach (var (name, node) in ours.Entries)
                if (theirs.TryGet(name, out var other) && !SameTree(node, other))
                    diagnostics.Add(Diagnostic.Error(
                        $"{kind}.{Excerpt.Of(name)} conflicts with imported resource: the included file defines it differently; change it in a later -f file instead",
                        ours.KeyMark(name), $"{kind}.{Excerpt.Of(name)}"));
        }
    }

    private static bool SameTree(Node a, Node b) => (a, b) switch
    {
        (ScalarNode x, ScalarNode y) => x.Value == y.Value && x.IsNull == y.IsNull,
        (SequenceNode x, SequenceNode y) => x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => SameTree(p.First, p.Second)),
        (MappingNode x, MappingNode y) => x.Count == y.Count && x.Entries.All(e => y.TryGet(e.Key, out var v) && SameTree(e.Value, v)),
        _ => false,
    };
}
