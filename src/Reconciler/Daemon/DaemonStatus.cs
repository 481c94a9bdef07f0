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
    private readonly ConcurrentDictionary<string, Configuration.StackOrigin> _origins = new();

    public event Action<StackPassResult, Trigger>? PassCompleted;
    public event Action<string, string>? FetchCounted;
    public event Action<ImageGcReport>? ImagesCollected;

    /// <summary>An image garbage collection ran (for metrics).</summary>
    public void ImagesCollectedBy(ImageGcReport report) => ImagesCollected?.Invoke(report);

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    /// <summary>This host's <c>host_id</c>, shown in /status.</summary>
    public string HostId { get; set; } = "";

    /// <summary>The fleet's host file as last checked; null without <c>fleet:</c>.</summary>
    public HostFileStatus? HostFile { get; private set; }

    private string? _expectedHostFile;

    /// <summary>With <c>fleet:</c>: the daemon is not ready until a host file (<paramref name="file"/>) is in use.</summary>
    public void ExpectHostFile(string file) => _expectedHostFile = file;

    /// <summary>A host file was checked: <c>used</c>, or refused as <c>invalid</c> or <c>empty</c> (for metrics).</summary>
    public event Action<string>? HostFileChecked;

    /// <summary>The host file at <paramref name="commit"/> is the one in use.</summary>
    public void HostFileUsed(string repo, string file, string commit)
    {
        HostFile = new HostFileStatus(repo, file) { Commit = commit, CheckedCommit = commit, At = time.GetUtcNow() };
        HostFileChecked?.Invoke("used");
    }

    /// <summary>
    /// The host file at <paramref name="commit"/> was refused: the one in use (if any) stays, and the
    /// refusal is shown until a later commit's file is used.
    /// </summary>
    public void HostFileRefused(string repo, string file, string commit, string reason, string error)
    {
        HostFile = (HostFile ?? new HostFileStatus(repo, file)) with
        {
            File = file, CheckedCommit = commit, Reason = reason, Error = error, At = time.GetUtcNow(),
        };
        HostFileChecked?.Invoke(reason);
    }

    /// <summary>Where the stack was declared (shown per stack in /status as <c>defined_by</c>).</summary>
    public void StackDeclared(Configuration.StackConfig stack)
    {
        if (stack.Origin is { } origin) _origins[stack.Name] = origin;
    }

    public Configuration.StackOrigin? OriginOf(string stack) => _origins.GetValueOrDefault(stack);

    /// <summary>The stack is no longer this host's: its loop stopped, it leaves /status.</summary>
    public void StackRemoved(string stack)
    {
        _stacks.TryRemove(stack, out _);
        _changes.TryRemove(stack, out _);
        _findings.TryRemove(stack, out _);
        _origins.TryRemove(stack, out _);
    }
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

    /// <summary>Ready: config loaded, Docker answered (and the engine cache follows its events), every repo fetched at least once, and with fleet a host file in use.</summary>
    public (bool Ready, IReadOnlyList<string> Reasons) Readiness()
    {
        var reasons = new List<string>();
        if (!ConfigLoaded) reasons.Add("config not loaded");
        if (DockerReachable != true) reasons.Add("docker not reachable" + (DockerError is null ? "" : ": " + DockerError));
        else if (EngineCacheError is { } cache) reasons.Add(cache);
        foreach (var r in _repos.Values.Where(r => r.LastFetch is null))
            reasons.Add($"repo {r.Name} not fetched yet" + (r.LastError is null ? "" : ": " + r.LastError));
        // A host that has not read its host file does not know its stacks yet; one whose every file
        // so far was refused runs nothing from the fleet, which is not the job it was set up for.
        if (_expectedHostFile is { } file && HostFile is not { Commit: not null })
            reasons.Add(HostFile is { Error: { } error } ? $"no usable host file: {error}" : $"host file {file} not read yet");
        return (reasons.Count == 0, reasons);
    }
}

/// <summary>The fleet's host file: the commit whose file is in use, and the last one checked with why it was refused.</summary>
public sealed record HostFileStatus(string Repo, string File)
{
    /// <summary>The commit whose host file defines the stacks now; null while none was good.</summary>
    public string? Commit { get; init; }
    public string? CheckedCommit { get; init; }
    /// <summary><c>invalid</c> or <c>empty</c> when the last checked commit's file was refused; null when it is in use.</summary>
    public string? Reason { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset At { get; init; }
}

public sealed record RepoStatus(string Name)
{
    public DateTimeOffset? LastFetch { get; init; }
    public string? Head { get; init; }
    public string? LastError { get; init; }
    public Verification.SignatureVerdict? Verification { get; init; }
}
