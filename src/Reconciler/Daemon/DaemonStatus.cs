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
    private readonly ConcurrentDictionary<string, (StackPassResult Result, Trigger Trigger, DateTimeOffset At)> _changes = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<Core.Guardrails.PolicyFinding>> _findings = new();

    public event Action<StackPassResult, Trigger>? PassCompleted;
    public event Action<string, string>? FetchCounted;
    public event Action<ImageGcReport>? ImagesCollected;

    /// <summary>An image garbage collection ran (for metrics).</summary>
    public void ImagesCollectedBy(ImageGcReport report) => ImagesCollected?.Invoke(report);

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();
    public bool ConfigLoaded { get; set; }
    public bool? DockerReachable { get; set; }
    public string? DockerError { get; set; }

    /// <summary>Null while the engine cache follows the engine's events (or there is no cache); else why not.</summary>
    public string? EngineCacheError { get; set; }

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

    /// <summary>(stack, commit): a deploy began changing the host; the pass's end follows as <see cref="PassCompleted"/>.</summary>
    public event Action<string, string>? DeployStarted;

    public void DeployStarting(string stack, string commit) => DeployStarted?.Invoke(stack, commit);

    /// <summary>(provider, result): a notification or forge call sent, retried, failed, dropped or deduplicated.</summary>
    public event Action<string, string>? NotificationCounted;

    public void CountNotification(string provider, string result) => NotificationCounted?.Invoke(provider, result);

    private readonly ConcurrentDictionary<string, ProviderHealth> _notifiers = new();

    /// <summary>How each notification provider (and forge API) delivers: a provider that keeps failing shows in /status.</summary>
    public void NotifierReported(ProviderHealth health) => _notifiers[health.Provider] = health;

    public IReadOnlyList<ProviderHealth> Notifiers => [.. _notifiers.Values.OrderBy(n => n.Provider, StringComparer.Ordinal)];

    public void StackPassed(StackPassResult result, Trigger trigger)
    {
        var at = time.GetUtcNow();
        if (result.Findings is { } findings) _findings[result.Stack] = findings;
        _stacks[result.Stack] = (result, trigger, at);
        if (result.Outcome is PassOutcome.Applied or PassOutcome.Failed) _changes[result.Stack] = (result, trigger, at);
        PassCompleted?.Invoke(result, trigger);
    }

    /// <summary>
    /// The guardrail warnings of the stack's commit as its last pass that loaded one found them: a
    /// pass that ended earlier (held, waiting, a render failure) knows nothing new and keeps them.
    /// </summary>
    public IReadOnlyList<Core.Guardrails.PolicyFinding> FindingsOf(string stack) =>
        _findings.TryGetValue(stack, out var f) ? f : [];

    public IReadOnlyCollection<RepoStatus> Repos => [.. _repos.Values.OrderBy(r => r.Name, StringComparer.Ordinal)];

    public IReadOnlyDictionary<string, (StackPassResult Result, Trigger Trigger, DateTimeOffset At)> Stacks => _stacks;

    /// <summary>
    /// Per stack, the last pass that changed something or failed: a deploy stays visible after the
    /// drift passes that follow it (woken by its own containers' events, a second later) find nothing to do.
    /// </summary>
    public IReadOnlyDictionary<string, (StackPassResult Result, Trigger Trigger, DateTimeOffset At)> LastChanges => _changes;

    /// <summary>Ready: config loaded, Docker answered (and the engine cache follows its events), every repo fetched at least once.</summary>
    public (bool Ready, IReadOnlyList<string> Reasons) Readiness()
    {
        var reasons = new List<string>();
        if (!ConfigLoaded) reasons.Add("config not loaded");
        if (DockerReachable != true) reasons.Add("docker not reachable" + (DockerError is null ? "" : ": " + DockerError));
        else if (EngineCacheError is { } cache) reasons.Add(cache);
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
