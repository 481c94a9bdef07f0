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
/// Symbols: <c>↓</c> pull, <c>+</c> brings something up (create, start), <c>~</c> changes it
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

    private static Row Describe(PlanAction action)
    {
        var service = action.Service ?? "";
        return action switch
        {
            PullImage a => new Row("↓", "", "pull", a.Image, a.Reason, []),
            CreateNetwork a => new Row("+", "", "create", $"network {a.Network.Name}", a.Reason, []),
            CreateVolume a => new Row("+", "", "create", $"volume {a.Volume.Name}", a.Reason, []),
            CreateContainer a => new Row("+", service, "create", a.ContainerName, a.Reason, []),
            RecreateContainer a => new Row("~", service, "recreate",
                a.OldName == a.ContainerName ? a.ContainerName : $"{a.OldName} → {a.ContainerName}", a.Reason, RecreateDetails(a)),
            RenameContainer a => new Row("~", service, "rename", $"{a.OldName} → {a.ContainerName}", a.Reason, []),
            StartContainer a => new Row("+", service, "start", a.ContainerName, a.Reason, []),
            RestartContainer a => new Row("~", service, "restart", a.ContainerName, a.Reason, []),
            StopContainer a => new Row("-", service, "stop", a.ContainerName, a.Reason, []),
            RemoveContainer a => new Row("-", service, "remove", a.ContainerName, a.Reason, []),
            _ => throw new InvalidOperationException($"no text for {action.GetType().Name}"),
        };
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
