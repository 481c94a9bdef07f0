namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// A key path in the compose tree (<c>services.web.ports</c>) and compose's path patterns
/// (<c>services.*.ports</c>), used to pick the merge, uniqueness and shape rule for a node.
/// </summary>
internal readonly record struct TreePath(string Value)
{
    public static TreePath Root => new("");

    public TreePath Next(string key) => new(Value.Length == 0 ? key : Value + "." + key);

    public TreePath Index(int i) => new($"{Value}[{i}]");

    public bool Matches(string pattern)
    {
        // Segment-wise compare; '*' matches one segment. Keys may contain dots (sysctls), so
        // patterns here only ever look at the fixed depth they name.
        var path = Value.AsSpan();
        var pat = pattern.AsSpan();
        while (true)
        {
            var pi = pat.IndexOf('.');
            var patSeg = pi < 0 ? pat : pat[..pi];
            if (patSeg.SequenceEqual("*"))
            {
                // '*' spans one key, which may itself be a service name holding no dots.
                var di = path.IndexOf('.');
                if (pi < 0) return di < 0 && path.Length > 0;
                if (di < 0) return false;
                path = path[(di + 1)..];
            }
            else
            {
                if (!path.StartsWith(patSeg)) return false;
                var rest = path[patSeg.Length..];
                if (pi < 0) return rest.Length == 0;
                if (rest.Length == 0 || rest[0] != '.') return false;
                path = rest[1..];
            }
            if (pi < 0) return path.Length == 0;
            pat = pat[(pi + 1)..];
        }
    }

    public override string ToString() => Value;
}
