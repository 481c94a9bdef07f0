using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Git;

namespace Reconciler.Forge;

/// <summary>
/// Follows a repo's open pull (merge) requests for plan previews: every interval it fetches the
/// request heads into the mirror (<c>refs/pull/*/head</c>, <c>refs/merge-requests/*/head</c>); a head
/// not previewed yet, of a request the forge lists as open, that changes a stack's folder (against
/// where it branched off) is planned for each such stack (<see cref="PreviewPlanner"/>); then one
/// comment per request is created or updated in place and <c>reconciler/plan</c> set on the head.
/// Forge calls go through the repo's <see cref="ForgeOutbox"/>; nothing here changes the host.
/// </summary>
public sealed partial class PreviewWatcher(
    RepoConfig repo,
    GitRepositoryMirror mirror,
    IReadOnlyList<PreviewPlanner> planners,
    ForgeOutbox outbox,
    TimeProvider time,
    ILogger logger,
    string host)
{
    // Request number → the head last previewed (or found not to touch a stack). Memory only: after a
    // restart each open request is planned again and its comment updated in place, not duplicated.
    private readonly Dictionary<int, string> _done = new();

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var delay = repo.Interval;
            try
            {
                await CheckAsync(ct).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                delay = Daemon.RepoWatcher.Backoff(failures) + repo.Interval;
                Log.CheckFailed(logger, repo.Name, e.Message);
            }
            try { await Task.Delay(delay, time, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round: fetch request heads, preview the new ones. Public for tests that drive it step by step.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        // The branch's first fetch comes from the repo's watcher; until then there is nothing to compare with.
        if (mirror.GetLocalHead() is not { } branchHead) return;
        var heads = await mirror.FetchChangeRequestHeadsAsync(repo.Forge!.RequestRefPrefix, ct).ConfigureAwait(false);
        var fresh = heads.Where(h => !_done.TryGetValue(h.Number, out var sha) || sha != h.Sha).ToList();
        if (fresh.Count == 0) return;
        // Closed requests keep their refs on the forge: only open ones are planned.
        var open = await outbox.Client.OpenRequestsAsync(ct).ConfigureAwait(false);
        foreach (var head in fresh)
        {
            if (!open.Contains(head.Number))
            {
                _done[head.Number] = head.Sha;
                continue;
            }
            var touched = planners.Where(p => mirror.Touches(branchHead, head.Sha, p.Stack.Path)).ToList();
            if (touched.Count == 0)
            {
                _done[head.Number] = head.Sha;
                continue;
            }
            var previews = new List<StackPreview>();
            foreach (var p in touched) previews.Add(await p.PlanAsync(head.Sha, ct).ConfigureAwait(false));
            if (previews.FirstOrDefault(p => p.Kind == PreviewKind.Unavailable) is { } unavailable)
            {
                Log.Unavailable(logger, repo.Name, head.Number, unavailable.Stack, unavailable.Message ?? "");
                continue; // asked again at the next round
            }
            var body = PreviewComment.Body(host, head.Sha, previews);
            var status = PreviewComment.Status(previews);
            var marker = PreviewComment.Marker(host);
            var sha = head.Sha;
            var number = head.Number;
            outbox.Post((client, t) => client.UpsertCommentAsync(number, marker, body, t));
            outbox.Post((client, t) => client.SetStatusAsync(sha, status, t));
            _done[head.Number] = head.Sha;
            Log.Previewed(logger, repo.Name, head.Number, sha[..Math.Min(12, sha.Length)], string.Join(", ", touched.Select(p => p.Stack.Name)), status.Description);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(95, LogLevel.Information, "repo={Repo} request #{Number} at {Commit} previewed for {Stacks}: {Summary}")]
        public static partial void Previewed(ILogger logger, string repo, int number, string commit, string stacks, string summary);

        [LoggerMessage(96, LogLevel.Warning, "repo={Repo} request previews failed, retrying later: {Error}")]
        public static partial void CheckFailed(ILogger logger, string repo, string error);

        [LoggerMessage(97, LogLevel.Warning, "repo={Repo} request #{Number}: stack {Stack} could not be planned now, retrying later: {Error}")]
        public static partial void Unavailable(ILogger logger, string repo, int number, string stack, string error);
    }
}
