using System.Text;

namespace Reconciler.Forge;

/// <summary>
/// The comment and the <c>reconciler/plan</c> status of a previewed request: pure text. The comment
/// carries a hidden marker naming the host, by which the next push's preview finds and updates it.
/// </summary>
public static class PreviewComment
{
    public const string StatusContext = "reconciler/plan";

    public static string Marker(string host) => $"<!-- reconciler:preview host={host} -->";

    public static string Body(string host, string sha, IReadOnlyList<StackPreview> previews)
    {
        var sb = new StringBuilder();
        sb.Append(Marker(host)).Append('\n');
        sb.Append($"### Reconciler plan for {sha[..Math.Min(7, sha.Length)]} on `{host}`\n\n");
        sb.Append("What merging this would do to the host as it runs now (nothing has been changed).\n");
        foreach (var p in previews.OrderBy(p => p.Stack, StringComparer.Ordinal))
        {
            var (headline, text) = p.Kind switch
            {
                PreviewKind.Planned => (Summary(p), p.Plan!.ToString()),
                PreviewKind.Invalid => ("**invalid**", p.Message ?? ""),
                _ => ("not previewed", p.Message ?? ""),
            };
            sb.Append($"\n**{p.Stack}**: {headline}\n\n```\n{text.Replace("```", "'''", StringComparison.Ordinal)}\n```\n");
        }
        return sb.ToString();
    }

    /// <summary>Failure when any stack would refuse the commit ("invalid: compose.yaml:4: …"), else how much would change.</summary>
    public static CommitStatus Status(IReadOnlyList<StackPreview> previews)
    {
        if (previews.FirstOrDefault(p => p.Kind == PreviewKind.Invalid) is { } bad)
            return CommitStatus.Of(StatusContext, CommitState.Failure, $"invalid: {bad.Message}");
        var changes = previews.Where(p => p.Kind == PreviewKind.Planned).Sum(p => p.Plan!.Actions.Length);
        return CommitStatus.Of(StatusContext, CommitState.Success, changes == 0 ? "no changes" : $"{changes} to change");
    }

    private static string Summary(StackPreview p) =>
        p.Plan!.IsEmpty ? "no changes" : $"{p.Plan.Actions.Length} to change";
}
