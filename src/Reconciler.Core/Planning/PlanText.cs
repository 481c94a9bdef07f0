using System.Globalization;
using System.Text;

namespace Reconciler.Core.Planning;

/// <summary>
/// <see cref="Plan.ToString"/>: a header, one aligned line per action, then one per problem.
/// <code>
/// shop: 2 to change, 1 warning
///   ~ web     recreate  shop-web-1     config changed
///       image: app:1.0 → app:1.1
///   + worker  create    shop-worker-1  container missing
///   ! old     warning   shop-old-1     service removed from project; kept (orphan removal is off)
/// </code>
/// Symbols: <c>↓</c> pull, <c>*</c> build, <c>+</c> brings something up (create, start), <c>~</c> changes it
/// (recreate, rename, restart), <c>-</c> takes it down (stop, remove), <c>!</c> a problem.
/// </summary>
internal static class PlanText
{
    private sealed record Row(string Symbol, string Service, string Verb, string Target, string Reason, IReadOnlyList<string> Details);

    public static string Render(Plan plan)
    {
        var rows = plan.Actions.Select(Describe)
            .Concat(plan.Problems.Select(p => new Row(
                "!", p.Service ?? "", p.Severity == ProblemSeverity.Error ? "error" : "warning", p.Subject, p.Message, [])))
            .ToList();

        var sb = new StringBuilder();
        sb.Append(plan.Project).Append(": ").Append(Header(plan));
        var serviceWidth = rows.Count == 0 ? 0 : rows.Max(r => r.Service.Length);
        var verbWidth = rows.Count == 0 ? 0 : rows.Max(r => r.Verb.Length);
        var targetWidth = rows.Count == 0 ? 0 : rows.Max(r => r.Target.Length);
        foreach (var row in rows)
        {
            var line = new StringBuilder("  ").Append(row.Symbol).Append(' ');
            if (serviceWidth > 0)
            {
                line.Append(row.Service.PadRight(serviceWidth)).Append("  ");
            }
            line.Append(row.Verb.PadRight(verbWidth)).Append("  ")
                .Append(row.Target.PadRight(targetWidth)).Append("  ")
                .Append(row.Reason);
            sb.Append('\n').Append(line.ToString().TrimEnd());
            foreach (var detail in row.Details)
            {
                sb.Append("\n      ").Append(detail);
            }
        }
        return sb.ToString();
    }

    private static string Header(Plan plan)
    {
        var errors = plan.Problems.Count(p => p.Severity == ProblemSeverity.Error);
        var warnings = plan.Problems.Length - errors;
        var head = plan.IsInSync ? "in sync" : plan.IsEmpty ? "nothing to change" : $"{Count(plan.Actions.Length)} to change";
        if (errors > 0)
        {
            head += $", {Count(errors)} error{(errors == 1 ? "" : "s")}";
        }
        if (warnings > 0)
        {
            head += $", {Count(warnings)} warning{(warnings == 1 ? "" : "s")}";
        }
        return head;
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The symbol of each verb's first word (see the class summary).</summary>
    private static readonly Dictionary<string, string> SymbolOf = new(StringComparer.Ordinal)
    {
        ["pull"] = "↓",
        ["build"] = "*",
        ["create"] = "+",
        ["start"] = "+",
        ["recreate"] = "~",
        ["rename"] = "~",
        ["restart"] = "~",
        ["stop"] = "-",
        ["remove"] = "-",
    };

    /// <summary>
    /// Only the verb's first word goes in the verb column; the rest (<c>network</c>, <c>volume</c>)
    /// reads as part of the target, so the column stays one word wide.
    /// </summary>
    private static Row Describe(PlanAction action)
    {
        var space = action.Verb.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? action.Verb : action.Verb[..space];
        var kind = space < 0 ? "" : action.Verb[(space + 1)..] + " ";
        var symbol = SymbolOf.TryGetValue(verb, out var s) ? s : throw new InvalidOperationException($"no symbol for the verb {verb}");
        var target = action switch
        {
            // A name change shows as such: these two act on the container under its old name.
            RecreateContainer a when a.OldName != a.ContainerName => $"{a.OldName} → {a.ContainerName}",
            RenameContainer a => $"{a.OldName} → {a.ContainerName}",
            _ => kind + action.Target,
        };
        var details = action is RecreateContainer recreate ? RecreateDetails(recreate) : [];
        // Pulls list their services in the JSON; the text's service column is for container actions.
        var service = action is ContainerAction ? action.Service ?? "" : "";
        return new Row(symbol, service, verb, target, action.Reason, details);
    }

    private static List<string> RecreateDetails(RecreateContainer a)
    {
        var details = new List<string>();
        if (a.Order == UpdateOrder.StartFirst)
        {
            details.Add("update order: start-first");
        }
        details.AddRange(a.Changes.Select(c => c.ToString()));
        return details;
    }
}
