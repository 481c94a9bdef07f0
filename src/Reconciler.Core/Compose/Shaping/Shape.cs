using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Shaping;

/// <summary>
/// One node of the compose schema: checks a merged, interpolated node, rewrites short syntax into
/// compose's canonical long form and types its scalars, so the result prints like
/// <c>docker compose config --format json</c>. Returns null to drop the node (compose omits it).
/// Problems go to the context with the key path; shaping goes on so one run reports them all.
/// </summary>
internal abstract class Shape
{
    public abstract Node? Apply(Node node, TreePath path, ShapeContext ctx);
}

internal sealed class ShapeContext(LoadBudget? budget = null)
{
    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>The load's budget, for shapes that make many nodes out of one (port ranges).</summary>
    public LoadBudget Budget { get; } = budget ?? new LoadBudget(LoadLimits.Default);

    public void Error(string message, Node at, TreePath path) =>
        Diagnostics.Add(Diagnostic.Error(message, at.Mark, path.Value));

    public void Error(string message, Mark at, TreePath path) =>
        Diagnostics.Add(Diagnostic.Error(message, at, path.Value));

    public static string Describe(Node node) => node switch
    {
        MappingNode => "a mapping",
        SequenceNode => "a list",
        ScalarNode { Kind: ScalarKind.Null } => "null",
        ScalarNode { Kind: ScalarKind.Bool } => "a boolean",
        ScalarNode { Kind: ScalarKind.Int or ScalarKind.Float } => "a number",
        _ => "a string",
    };
}

/// <summary>A shape built from a function, for compose's one-off short syntaxes.</summary>
internal sealed class CustomShape(Func<Node, TreePath, ShapeContext, Node?> apply) : Shape
{
    public override Node? Apply(Node node, TreePath path, ShapeContext ctx) => apply(node, path, ctx);
}

/// <summary>Kept as written: keys compose accepts that Reconciler does not act on (build, develop…).</summary>
internal sealed class AnyShape : Shape
{
    public static readonly AnyShape Instance = new();
    public override Node? Apply(Node node, TreePath path, ShapeContext ctx) => node;
}
