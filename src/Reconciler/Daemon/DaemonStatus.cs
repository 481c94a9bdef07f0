using Reconciler.Core.Policy;
using System.Collections.Concurrent;

namespace Reconciler.Daemon;

/// <summary>
/// What the running daemon knows about itself, written at the end of each pass or fetch and read
/// by /readyz, /status and metrics. Never recomputed elsewhere.
/// </summary>
public sealed class DaemonStatus(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, RepoStatus> _repos = new();
    private readonly ConcurrentDictionary<string, (StackPassResult Result, Trigger Trigger, DateTimeOffset At)> _stacks = new();

    public event Action<StackPassResult, Trigger>? PassCompleted;
    public event Action<string, string>? FetchCounted;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
    public bool ConfigLoaded { get; set; }
    public bool? DockerReachable { get; set; }
    public string? DockerError { get; set; }

    public void ExpectRepo(string repo) => _repos.TryAdd(repo, new RepoStatus(repo));

    public void RepoFetched(string repo, DateTimeOffset at, string? head) =>
        _repos.AddOrUpdate(repo, _ => new RepoStatus(repo) { LastFetch = at, Head = head },
            (_, r) => r with { LastFetch = at, Head = head, LastError = null });

    public void RepoFailed(string repo, string error) =>
        _repos.AddOrUpdate(repo, _ => new RepoStatus(repo) { LastError = error }, (_, r) => r with { LastError = error });

    public void CountFetch(string repo, string result) => FetchCounted?.Invoke(repo, result);

    public event Action<string, string>? VerificationFailed;

    /// <summary>A head refused by <c>verify:</c>, by reason (counted as reconciler_git_verification_failures_total).</summary>
    public void CountVerificationFailure(string repo, string reason) => VerificationFailed?.Invoke(repo, reason);

    /// <summary>The verdict on the repo's latest checked head: a refusal stays shown until a trusted head replaces it.</summary>
    public void RepoVerified(string repo, Verification.SignatureVerdict verdict) =>
        _repos.AddOrUpdate(repo, _ => new RepoStatus(repo) { Verification = verdict }, (_, r) => r with { Verification = verdict });

    public void StackPassed(StackPassResult result, Trigger trigger)
    {
        _stacks[result.Stack] = (result, trigger, time.GetUtcNow());
        PassCompleted?.Invoke(result, trigger);
    }

    public IReadOnlyCollection<RepoStatus> Repos => [.. _repos.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];

    public IReadOnlyDictionary<string, (StackPassResult Result, Trigger Trigger, DateTimeOffset At)> Stacks => _stacks;

    /// <summary>Ready: config loaded, Docker answered, every repo fetched at least once.</summary>
    public (bool Ready, IReadOnlyList<string> Reasons) Readiness()
    {
        var reasons = new List<string>();
        if (!ConfigLoaded) reasons.Add("config not loaded");
        if (DockerReachable != true) reasons.Add("docker not reachable" + (DockerError is null ? "" : ": " + DockerError));
        foreach (var r in _repos.Values.Where(r => r.LastFetch is null))
            reasons.Add($"repo {r.Name} not fetched yet" + (r.LastError is null ? "" : ": " + r.LastError));
        return (reasons.Count == 0, reasons);
    }
}

public sealed record RepoStatus(string Name)
{
    public DateTimeOffset? LastFetch { get; init; }
    public string? Head { get; init; }
    public string? LastError { get; init; }
    public Verification.SignatureVerdict? Verification { get; init; }
}
