using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Reconciler.Daemon;
using Reconciler.State;

namespace Reconciler.StatusPage;

/// <summary>
/// <c>GET /</c>: the status page as one self-contained HTML document — no script, no external asset,
/// a style sheet inline — that reloads itself (<c>meta refresh</c>), reads on a phone (viewport, tables
/// that scroll sideways on their own) and is accessible (a <c>lang</c>, headings per stack, tables with
/// <c>th scope</c>, states in words and not colour alone, contrast above WCAG AA).
/// A pure function of <see cref="StatusPageModel"/>. Everything shown is encoded: commit subjects,
/// authors and errors come from git, so they are whatever a pusher wrote.
/// </summary>
public static class StatusPageRenderer
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>How many deployments of each stack the page lists.</summary>
    public const int HistoryLength = 10;

    public static string Render(StatusPageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var live = model.Status.Stacks.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var repos = model.Status.Repos.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var sb = new StringBuilder(16 * 1024);
        var title = model.Host.Length > 0 ? $"Reconciler on {model.Host}" : "Reconciler";
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta http-equiv=\"refresh\" content=\"").Append(Number(Math.Max(1, model.RefreshSeconds))).Append("\">\n")
            .Append("<meta name=\"robots\" content=\"noindex\">\n")
            // An empty icon: a browser asks for /favicon.ico otherwise, and logs the 404 as an error.
            .Append("<link rel=\"icon\" href=\"data:,\">\n")
            .Append("<title>").Append(Text(title)).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>").Append(Text(title)).Append("</h1>\n")
            .Append("<p class=\"meta\">As of ").Append(Time(model.Now)).Append(", reloading every ")
            .Append(Number(model.RefreshSeconds)).Append(" s. Daemon started ").Append(Time(model.Status.Started)).Append(". Docker: ")
            .Append(model.Status.Docker.Reachable switch
            {
                true => "reachable",
                false => "<strong class=\"bad\">unreachable</strong>" + (model.Status.Docker.Error is { } e ? " (" + Text(e) + ")" : ""),
                null => "not checked yet",
            }).Append(".</p>\n");
        if (model.StateError is { } stateError)
            sb.Append("<p class=\"bad\">The state store could not be read (").Append(Text(stateError)).Append("): deployed commits and history are missing below.</p>\n");

        Summary(sb, model, live);
        Repositories(sb, model, repos);
        foreach (var stack in model.Stacks)
            Stack(sb, stack, live.GetValueOrDefault(stack.Name), repos.GetValueOrDefault(stack.Repo));

        sb.Append("</main>\n<footer><p class=\"meta\">reconciler ").Append(Text(model.Version))
            .Append(" · <a href=\"status\">status as JSON</a></p></footer>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>One row per stack: the answer to "is everything fine?" without scrolling.</summary>
    private static void Summary(StringBuilder sb, StatusPageModel model, Dictionary<string, StatusDocument.StackView> live)
    {
        sb.Append("<section aria-labelledby=\"stacks\">\n<h2 id=\"stacks\">Stacks</h2>\n");
        if (model.Stacks.Count == 0)
        {
            sb.Append("<p>No stacks are configured.</p>\n</section>\n");
            return;
        }
        sb.Append("<div class=\"scroll\"><table class=\"summary\">\n<thead><tr>")
            .Append("<th scope=\"col\">Stack</th><th scope=\"col\">Sync</th><th scope=\"col\">Health</th>")
            .Append("<th scope=\"col\">Deployed commit</th><th scope=\"col\">Last pass</th></tr></thead>\n<tbody>\n");
        foreach (var stack in model.Stacks)
        {
            var view = live.GetValueOrDefault(stack.Name);
            sb.Append("<tr data-stack=\"").Append(Attr(stack.Name)).Append("\"><th scope=\"row\"><a href=\"#").Append(Attr(Anchor(stack.Name))).Append("\">")
                .Append(Text(stack.Name)).Append("</a></th>")
                .Append("<td data-field=\"sync\">").Append(Badge(SyncText(stack, view))).Append("</td>")
                .Append("<td data-field=\"health\">").Append(Badge(HealthText(view))).Append("</td>")
                .Append("<td data-field=\"deployed\">").Append(CommitLink(stack, DeployedCommit(stack, view))).Append("</td>")
                .Append("<td>").Append(view is null ? "none yet" : Text(OutcomeText(view.Outcome)) + " " + Time(view.At)).Append("</td></tr>\n");
        }
        sb.Append("</tbody></table></div>\n</section>\n");
    }

    private static void Repositories(StringBuilder sb, StatusPageModel model, Dictionary<string, StatusDocument.RepoView> repos)
    {
        var configured = model.Stacks.Where(s => s.Repo.Length > 0).GroupBy(s => s.Repo, StringComparer.Ordinal).Select(g => g.First()).ToList();
        if (configured.Count == 0) return;
        sb.Append("<section aria-labelledby=\"repos\">\n<h2 id=\"repos\">Repositories</h2>\n<div class=\"scroll\"><table>\n<thead><tr>")
            .Append("<th scope=\"col\">Repo</th><th scope=\"col\">URL</th><th scope=\"col\">Branch</th><th scope=\"col\">Head</th>")
            .Append("<th scope=\"col\">Last fetch</th><th scope=\"col\">Problem</th></tr></thead>\n<tbody>\n");
        foreach (var stack in configured)
        {
            var repo = repos.GetValueOrDefault(stack.Repo);
            sb.Append("<tr data-repo=\"").Append(Attr(stack.Repo)).Append("\"><th scope=\"row\">").Append(Text(stack.Repo)).Append("</th><td><code>")
                .Append(Text(stack.RepoUrl)).Append("</code></td><td>").Append(Text(stack.Branch)).Append("</td><td>")
                .Append(repo?.Head is { } head ? CommitLink(stack, head) : "—").Append("</td><td>")
                .Append(repo?.LastFetch is { } fetched ? Time(fetched) : "never").Append("</td><td>");
            if (repo?.Error is { } error) sb.Append("<span class=\"bad\">").Append(Text(error)).Append("</span>");
            else if (repo?.Verification is { Trusted: false } v) sb.Append("<span class=\"bad\">head ").Append(Text(Short(v.Commit))).Append(" refused by verify</span>");
            else sb.Append("none");
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody></table></div>\n</section>\n");
    }

    private static void Stack(StringBuilder sb, StackPage stack, StatusDocument.StackView? view, StatusDocument.RepoView? repo)
    {
        var anchor = Anchor(stack.Name);
        var state = stack.State;
        sb.Append("<section class=\"stack\" aria-labelledby=\"").Append(Attr(anchor)).Append("\" data-stack=\"").Append(Attr(stack.Name)).Append("\">\n")
            .Append("<h2 id=\"").Append(Attr(anchor)).Append("\">Stack ").Append(Text(stack.Name)).Append("</h2>\n")
            .Append("<div class=\"scroll\"><table class=\"facts\">\n<tbody>\n");
        Row(sb, "Repository", stack.Repo.Length == 0 ? "not in the config file" : $"{Text(stack.Repo)} · branch {Text(stack.Branch)} · path <code>{Text(stack.Path)}</code>");
        var deployed = DeployedCommit(stack, view);
        var subject = deployed is null ? null : stack.History.FirstOrDefault(d => d.Commit == deployed)?.Subject;
        Row(sb, "Deployed commit", CommitLink(stack, deployed) + (subject is null ? "" : " " + Text(subject)), "deployed");
        if (state?.LastGoodCommit is { } good && good != deployed) Row(sb, "Last good commit", CommitLink(stack, good));
        Row(sb, "Sync", Badge(SyncText(stack, view)), "sync");
        Row(sb, "Health", Badge(HealthText(view)), "health");
        Row(sb, "Last pass", view is null ? "none yet"
            : $"{Text(OutcomeText(view.Outcome))} at {CommitLink(stack, view.Commit)}, {Time(view.At)} ({Text(view.Trigger.ToLowerInvariant())})");
        if (view?.LastChange is { } change && (change.At != view.At || change.Outcome != view.Outcome))
            Row(sb, "Last change", $"{Text(OutcomeText(change.Outcome))} at {CommitLink(stack, change.Commit)}, {Time(change.At)}"
                + (change.Error is { } ce ? $"<div class=\"error\">{Text(ce)}</div>" : ""));
        var error = state?.LastError?.ToString() ?? view?.Error;
        Row(sb, "Last error", error is null ? "none" : $"<div class=\"error\">{Text(error)}</div>", "error");
        if (Held(stack, repo) is { } held) Row(sb, "Held back", held, "held");
        Row(sb, "Plan", stack.Plan is { } plan
            ? $"<a href=\"{Attr(PlanPath(stack.Name))}\">{Text(FirstLine(plan.Plan.ToString()))}</a> (of {CommitLink(stack, plan.Commit)}, {Time(plan.At)}; <a href=\"{Attr(PlanPath(stack.Name) + "?format=json")}\">JSON</a>)"
            : "no pass has planned yet", "plan");
        sb.Append("</tbody></table></div>\n");

        Drift(sb, view);
        Findings(sb, view);
        History(sb, stack);
        sb.Append("</section>\n");
    }

    /// <summary>Why a commit newer than the deployed one does not run: a failure of its own, or its signature.</summary>
    private static string? Held(StackPage stack, StatusDocument.RepoView? repo)
    {
        var parts = new List<string>();
        if (repo?.Verification is { Trusted: false } v)
            parts.Add($"Head {CommitLink(stack, v.Commit)} refused by verify ({Text(v.Reason)}, signer {Text(v.Signer ?? "none")}): {Text(v.Message)}");
        if (stack.State is { FailedCommits.Count: > 0 } state)
            parts.Add("Not retried until a newer commit arrives: " + string.Join(", ", state.FailedCommits.Select(c => CommitLink(stack, c)))
                + (state.LastAppliedCommit is { } running ? $"; the stack keeps running {CommitLink(stack, running)}" : ""));
        return parts.Count == 0 ? null : string.Join("<br>", parts);
    }

    private static void Drift(StringBuilder sb, StatusDocument.StackView? view)
    {
        sb.Append("<h3>Drift</h3>\n");
        if (view is null || view.Drift.Count == 0)
        {
            sb.Append("<p data-field=\"drift\">").Append(view is null ? "Not checked yet." : "None: the containers match the commit.").Append("</p>\n");
            return;
        }
        sb.Append("<div class=\"scroll\"><table data-field=\"drift\">\n<thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Kind</th><th scope=\"col\">Fields that differ</th></tr></thead>\n<tbody>\n");
        foreach (var d in view.Drift)
            sb.Append("<tr><th scope=\"row\">").Append(Text(d.Service.Length == 0 ? "—" : d.Service)).Append("</th><td>").Append(Text(d.Reason)).Append("</td><td>")
                .Append(d.Fields.Count == 0 ? "—" : string.Join(", ", d.Fields.Select(f => "<code>" + Text(f) + "</code>"))).Append("</td></tr>\n");
        sb.Append("</tbody></table></div>\n");
    }

    private static void Findings(StringBuilder sb, StatusDocument.StackView? view)
    {
        if (view is null || view.Findings.Count == 0) return;
        sb.Append("<h3>Guardrail warnings</h3>\n<div class=\"scroll\"><table data-field=\"findings\">\n<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Service</th>")
            .Append("<th scope=\"col\">Where</th><th scope=\"col\">Finding</th></tr></thead>\n<tbody>\n");
        foreach (var f in view.Findings)
            sb.Append("<tr><th scope=\"row\"><code>").Append(Text(f.Rule)).Append("</code></th><td>").Append(Text(f.Service)).Append("</td><td>")
                .Append(f.File is { } file ? Text(f.Line is { } line ? $"{file}:{line.ToString(CultureInfo.InvariantCulture)}" : file) : "—")
                .Append("</td><td>").Append(Text(f.Message)).Append("</td></tr>\n");
        sb.Append("</tbody></table></div>\n");
    }

    private static void History(StringBuilder sb, StackPage stack)
    {
        sb.Append("<h3>Recent deployments</h3>\n");
        if (stack.History.Count == 0)
        {
            sb.Append("<p>None recorded.</p>\n");
            return;
        }
        sb.Append("<div class=\"scroll\"><table class=\"history\" data-field=\"history\">\n<thead><tr><th scope=\"col\">Started</th><th scope=\"col\">Commit</th>")
            .Append("<th scope=\"col\">Result</th><th scope=\"col\">Actions</th><th scope=\"col\">Took</th><th scope=\"col\">Trigger</th>")
            .Append("<th scope=\"col\">Author</th><th scope=\"col\">Subject</th></tr></thead>\n<tbody>\n");
        foreach (var d in stack.History.Take(HistoryLength))
        {
            var result = d.Result?.Name() ?? "in progress";
            sb.Append("<tr><th scope=\"row\">").Append(Time(d.StartedAt)).Append("</th><td>").Append(CommitLink(stack, d.Commit)).Append("</td><td>")
                .Append(Badge(result)).Append("</td><td>").Append(Number(d.ActionCount)).Append("</td><td>")
                .Append(d.Duration is { } took ? Text(took.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s") : "—").Append("</td><td>")
                .Append(Text(d.Trigger.Name())).Append("</td><td>").Append(Text(d.Author ?? "")).Append("</td><td>").Append(Text(d.Subject ?? ""));
            if (d.Error is { } e) sb.Append("<div class=\"error\">").Append(Text(e)).Append("</div>");
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody></table></div>\n");
    }

    private static void Row(StringBuilder sb, string header, string html, string? field = null)
    {
        sb.Append("<tr><th scope=\"row\">").Append(Text(header)).Append("</th><td");
        if (field is not null) sb.Append(" data-field=\"").Append(Attr(field)).Append('"');
        sb.Append('>').Append(html).Append("</td></tr>\n");
    }

    /// <summary>The commit the host runs: the store's record (as <c>reconciler status</c> says), else the last pass's.</summary>
    private static string? DeployedCommit(StackPage stack, StatusDocument.StackView? view) => stack.State is { } state ? state.LastAppliedCommit : view?.Commit;

    /// <summary>Sync as <c>reconciler status</c> words it, from the same record; the live pass while there is none.</summary>
    public static string SyncText(StackPage stack, StatusDocument.StackView? view) => stack.State is { } state
        ? state.EffectiveStatus switch
        {
            SyncStatus.Synced => "in sync",
            SyncStatus.OutOfSync => "drifted",
            SyncStatus.Failed => "failed",
            SyncStatus.Suspended => "suspended",
            _ => "unknown",
        }
        : view?.Outcome switch
        {
            "Noop" or "Applied" => "in sync",
            "DriftReported" => "drifted",
            "Failed" => "failed",
            "Suspended" => "suspended",
            _ => "unknown",
        };

    /// <summary>
    /// Health from the last pass, as Argo CD shapes it: degraded when it failed or found containers
    /// missing or stopped, progressing while it waits, healthy otherwise.
    /// </summary>
    public static string HealthText(StatusDocument.StackView? view) => view switch
    {
        null => "unknown",
        { Outcome: "Failed" } => "degraded",
        { } v when v.Drift.Any(d => d.Reason is "missing" or "stopped") => "degraded",
        { Outcome: "Waiting" } => "progressing",
        _ => "healthy",
    };

    private static string OutcomeText(string outcome) => outcome switch
    {
        "Noop" => "nothing to do",
        "Applied" => "applied",
        "Failed" => "failed",
        "Suspended" => "suspended",
        "DriftReported" => "drift reported",
        "Waiting" => "waiting",
        _ => outcome,
    };

    /// <summary>A state in words, with a class for its colour (never the colour alone).</summary>
    private static string Badge(string state)
    {
        var kind = state switch
        {
            "in sync" or "healthy" or "applied" or "noop" => "ok",
            "failed" or "degraded" or "rolled_back" => "bad",
            "drifted" or "progressing" or "in progress" => "warn",
            _ => "neutral",
        };
        return $"<span class=\"badge {kind}\">{Text(state)}</span>";
    }

    /// <summary>The short sha, linked to the forge's commit page when the repo url allows; "—" for none.</summary>
    private static string CommitLink(StackPage stack, string? sha)
    {
        if (string.IsNullOrEmpty(sha)) return "—";
        var code = "<code>" + Text(Short(sha)) + "</code>";
        return CommitLinks.For(stack.RepoUrl, sha) is { } url
            ? $"<a href=\"{Attr(url)}\" rel=\"noopener noreferrer\" title=\"{Attr(sha)}\">{code}</a>"
            : code;
    }

    /// <summary>Relative, so the page works behind a reverse proxy that serves it under a prefix.</summary>
    public static string PlanPath(string stack) => "stacks/" + Uri.EscapeDataString(stack) + "/plan";

    private static string Anchor(string stack) => "stack-" + stack;

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    private static string Time(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return $"<time datetime=\"{utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\">{utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>";
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Text(string text) => Html.Encode(text);

    private static string Attr(string text) => Html.Encode(text);

    // Colours: every text/background pair is at least 4.5:1 (WCAG AA); states also carry their words.
    private const string Style = """
        :root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1b1b1b;background:#fff}
        body{margin:0}main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}
        h1{font-size:1.5rem;margin:1rem 0 .25rem}h2{font-size:1.25rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #767676}h3{font-size:1.05rem;margin:1rem 0 .4rem}
        .meta{color:#4a4a4a;font-size:.9rem}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;min-width:100%;font-size:.92rem}
        th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #d0d0d0}
        thead th{background:#f0f0f0}
        .facts th{width:11rem;font-weight:600}
        code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.9em}
        a{color:#0645ad}a:visited{color:#551a8b}
        .badge{display:inline-block;padding:0 .45rem;border-radius:.25rem;font-weight:600;white-space:nowrap}
        .ok{background:#e3f1e6;color:#0b5a23}.bad{color:#9b1010}.badge.bad{background:#fbe6e6}
        .warn{background:#fdf0d8;color:#6b4000}.neutral{background:#ececec;color:#333}
        .error{white-space:pre-wrap;overflow-wrap:anywhere;color:#9b1010;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
        @media (max-width:40rem){.facts th{width:auto}th,td{padding:.3rem}}
        """;
}
