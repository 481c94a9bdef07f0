using Reconciler.Core.Compose.Environment;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// Applies compose interpolation to every scalar value of a file's tree (never to keys), before
/// merging, as compose does. An interpolated value is a string; the schema types it afterwards.
/// Interpolation spends from the load's budget; past a limit the load stops there.
/// </summary>
internal static class TreeInterpolator
{
    public static void Apply(Node node, TreePath path, Func<string, string?> lookup, List<Diagnostic> diagnostics, HashSet<string> warned, LoadBudget budget)
    {
        switch (node)
        {
            case MappingNode m:
                foreach (var (key, value) in m.Entries.ToList())
                {
                    if (value is ScalarNode s) m[key] = Interpolate(s, path.Next(key), lookup, diagnostics, warned, budget);
                    else Apply(value, path.Next(key), lookup, diagnostics, warned, budget);
                }
                break;
            case SequenceNode seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    if (seq.Items[i] is ScalarNode s) seq.Items[i] = Interpolate(s, path.Index(i), lookup, diagnostics, warned, budget);
                    else Apply(seq.Items[i], path.Index(i), lookup, diagnostics, warned, budget);
                }
                break;
        }
    }

    private static ScalarNode Interpolate(ScalarNode s, TreePath path, Func<string, string?> lookup, List<Diagnostic> diagnostics, HashSet<string> warned, LoadBudget budget)
    {
        if (!s.Value.Contains('$')) return s;
        var result = Interpolator.Interpolate(s.Value, lookup, budget.Expansion);
        if (result.ErrorDetail is { } error)
        {
            var diagnostic = Diagnostic.Error(error.Message, s.Mark, path.Value);
            if (error.IsLimit) throw new ComposeException(diagnostic);
            diagnostics.Add(diagnostic);
            return s;
        }
        foreach (var name in result.Warnings)
            if (warned.Add(name))
                diagnostics.Add(Diagnostic.Warn($"The {Excerpt.Quoted(name)} variable is not set. Defaulting to a blank string.", s.Mark, path.Value));
        return new ScalarNode(result.Value, ScalarKind.String, s.Mark) { Tag = s.Tag };
    }
}
