using System.Collections.Concurrent;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;

namespace Reconciler.Forge;

/// <summary>
/// Sets deploy statuses on the commits stacks deploy, for repos whose <c>forge:</c> has statuses on:
/// pending when a deploy of a new commit starts (<see cref="DaemonStatus.DeployStarted"/>), then what
/// the pass ended as (<see cref="DeployStatuses"/>). A status the commit already has from this
/// process is not sent again, so drift passes cost the forge nothing.
/// </summary>
/// <param name="host">Names this host in the context; the config's host id replaces the machine name once it exists.</param>
public sealed class DeployStatusReporter(DaemonConfig config, DaemonStatus status, IReadOnlyDictionary<string, ForgeOutbox> outboxes, string? host = null)
{
    private readonly string _host = host ?? Environment.MachineName;
    private readonly ConcurrentDictionary<string, (string Sha, CommitStatus Status)> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ForgeOutbox> _byStack = config.Stacks
        .Select(s => (s.Name, Repo: config.Repos.FirstOrDefault(r => r.Name == s.Repo)))
        .Where(x => x.Repo?.Forge is { Statuses: true } && outboxes.ContainsKey(x.Repo.Name))
        .ToDictionary(x => x.Name, x => outboxes[x.Repo!.Name], StringComparer.Ordinal);

    public string Host => _host;

    public void Attach()
    {
        if (_byStack.Count == 0) return;
        status.DeployStarted += OnDeployStarted;
        status.PassCompleted += OnPassCompleted;
    }

    public void Detach()
    {
        status.DeployStarted -= OnDeployStarted;
        status.PassCompleted -= OnPassCompleted;
    }

    private void OnDeployStarted(string stack, string commit) => Set(stack, commit, DeployStatuses.Pending(_host, stack));

    private void OnPassCompleted(StackPassResult result, Trigger trigger)
    {
        if (DeployStatuses.For(result, _host) is { } s) Set(result.Stack, result.Commit!, s);
    }

    private void Set(string stack, string sha, CommitStatus s)
    {
        if (!_byStack.TryGetValue(stack, out var outbox)) return;
        // Once a commit has its success, an in-sync pass after it says nothing new.
        if (_last.TryGetValue(stack, out var last) && last.Sha == sha && (last.Status == s || s.State == CommitState.Success && last.Status.State == CommitState.Success)) return;
        _last[stack] = (sha, s);
        outbox.Post((client, ct) => client.SetStatusAsync(sha, s, ct));
    }
}
