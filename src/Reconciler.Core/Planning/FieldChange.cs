using System.Collections.Immutable;

namespace Reconciler.Core.Planning;

/// <summary>
/// One field that differs between the running container and the desired service, by flattened key
/// path (<c>image</c>, <c>environment.LOG_LEVEL</c>). Null means the field is not set on that side.
/// </summary>
public sealed record FieldChange(string Path, string? Before, string? After)
{
    public override string ToString() => $"{Path}: {Show(Before)} → {Show(After)}";

    private static string Show(string? value) => value ?? "(unset)";

    /// <summary>Every key whose value differs, ordinally by path.</summary>
    public static ImmutableArray<FieldChange> Diff(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after)
    {
        var changes = ImmutableArray.CreateBuilder<FieldChange>();
        foreach (var path in before.Keys.Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var old = before.TryGetValue(path, out var b) ? b : null;
            var now = after.TryGetValue(path, out var a) ? a : null;
            if (!string.Equals(old, now, StringComparison.Ordinal))
            {
                changes.Add(new FieldChange(path, old, now));
            }
        }
        return changes.ToImmutable();
    }
}
