using System.Text.Json;

namespace Reconciler.TestSupport;

/// <summary>
/// The PromQL of every panel of the shipped Grafana dashboard, with the row it sits under and its
/// variables set as Grafana would for one stack and every instance: what the scrape tests ask a real
/// Prometheus, each for the rows whose series its daemon produces (the Swarm row needs a Swarm).
/// </summary>
public static class DashboardQueries
{
    public sealed record Query(string Row, string Panel, string Expr);

    public static string File(string repoRoot) => Path.Combine(repoRoot, "observability", "grafana", "reconciler-dashboard.json");

    public static IReadOnlyList<Query> Of(string dashboardFile, string stack)
    {
        using var dashboard = JsonDocument.Parse(System.IO.File.ReadAllText(dashboardFile));
        var queries = new List<Query>();
        var row = "";
        // Panels follow their row in the array (rows are not collapsed, so they hold no panels of their own).
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (panel.GetProperty("type").GetString() == "row")
            {
                row = panel.GetProperty("title").GetString() ?? "";
                continue;
            }
            if (!panel.TryGetProperty("targets", out var targets)) continue;
            foreach (var target in targets.EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!
                    .Replace("$instance", ".*", StringComparison.Ordinal)
                    .Replace("$stack", stack, StringComparison.Ordinal)
                    .Replace("$__rate_interval", "1m", StringComparison.Ordinal);
                queries.Add(new Query(row, panel.GetProperty("title").GetString() ?? "", expr));
            }
        }
        return queries;
    }
}
