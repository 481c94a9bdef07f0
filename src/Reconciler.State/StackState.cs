using System.Collections.Immutable;

namespace Reconciler.State;

/// <summary>
/// What the daemon remembers about one stack between passes and across restarts. Immutable: a
/// pass derives the next state with the transitions below (or <c>with</c>) inside
/// <see cref="IStateStore.UpdateStackAsync"/>, which reads, changes and stores it in one
/// transaction, so a <c>reconciler suspend</c> from another process is never overwritten by a
/// loop holding an older copy.
/// </summary>
public sealed record StackState
{
    private static readonly ImmutableSortedDictionary<string, string> NoImages =
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    private static readonly ImmutableSortedSet<string> NoCommits =
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    private static readonly ImmutableSortedDictionary<string, DateTimeOffset> NoPulls =
        ImmutableSortedDictionary.Create<string, DateTimeOffset>(StringComparer.Ordinal);

    /// <summary>
    /// How long a pull is remembered when the reference is not pulled again: long enough for
    /// <c>daily</c> and <c>weekly</c> (an older pull is due under them anyway), short enough that
    /// the tags of commits long gone do not pile up. A forgotten pull costs one more pull, no more:
    /// a service with a longer period (<c>every_8w</c>) is then pulled every 30 days.
    /// </summary>
    public static TimeSpan PullMemory { get; } = TimeSpan.FromDays(30);

    public required string Stack { get; init; }

    /// <summary>The commit the latest pass set out to deploy, whatever came of it.</summary>
    public string? LastAttemptedCommit { get; init; }

    /// <summary>The commit whose deploy last completed: the containers were made to match it.</summary>
    public string? LastAppliedCommit { get; init; }

    /// <summary>The latest commit whose deploy succeeded and became healthy: where a rollback returns to.</summary>
    public string? LastGoodCommit { get; init; }

    /// <summary>Service name → image id (<c>sha256:…</c>) each service ran at <see cref="LastGoodCommit"/>.</summary>
    public ImmutableSortedDictionary<string, string> LastGoodImages { get; init; } = NoImages;

    /// <summary>
    /// Image reference (as the service writes it) → when Reconciler last pulled it successfully for
    /// this stack: what <c>pull_policy: daily</c>, <c>weekly</c> and <c>every_&lt;duration&gt;</c>
    /// are judged against, across passes and restarts. Entries older than <see cref="PullMemory"/>
    /// are dropped when the next pull is recorded.
    /// </summary>
    public ImmutableSortedDictionary<string, DateTimeOffset> LastPulled { get; init; } = NoPulls;

    /// <summary>
    /// The last good commits, newest first, each with the images it ran (at most
    /// <see cref="GoodHistoryLength"/>): image garbage collection keeps the images of the first
    /// <c>image_gc.keep_commits</c> of them.
    /// </summary>
    public ImmutableArray<GoodCommit> GoodHistory { get; init; } = [];

    /// <summary>How many good commits <see cref="GoodHistory"/> remembers: the most <c>image_gc.keep_commits</c> can ask for.</summary>
    public const int GoodHistoryLength = 20;

    /// <summary>
    /// Image id → when Reconciler pulled it for this stack. Garbage collection removes only these:
    /// an image the user pulled or built is never Reconciler's to remove.
    /// </summary>
    public ImmutableSortedDictionary<string, DateTimeOffset> PulledImages { get; init; } = NoPulls;

    /// <summary>The guardrail warnings on the stack's current commit, one line each, for <c>reconciler status</c>.</summary>
    public ImmutableArray<string> PolicyFindings { get; init; } = [];

    /// <summary>What the latest pass found. See <see cref="EffectiveStatus"/> for what to show.</summary>
    public SyncStatus SyncStatus { get; init; } = SyncStatus.Unknown;

    /// <summary>Set by <c>reconciler suspend</c>, cleared by <c>reconciler resume</c>.</summary>
    public bool Suspended { get; init; }

    /// <summary>
    /// What <c>reconciler status</c> shows: <see cref="SyncStatus.Suspended"/> while suspended,
    /// otherwise <see cref="SyncStatus"/>. Kept apart so that suspending and a pass finishing
    /// at the same moment cannot undo each other.
    /// </summary>
    public SyncStatus EffectiveStatus => Suspended ? SyncStatus.Suspended : SyncStatus;

    public DeploymentResult? LastResult { get; init; }

    /// <summary>Why the latest pass failed; cleared by the next success.</summary>
    public StackError? LastError { get; init; }

    /// <summary>When a pass last ended with the stack at its commit (applied or nothing to do).</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>A short text of what differs between the live containers and the applied commit.</summary>
    public string? DriftSummary { get; init; }

    /// <summary>
    /// Commits whose deploy failed for reasons of their own (a broken compose file, a service that
    /// never became healthy): retrying cannot help, so they are not retried. A newer commit that
    /// becomes healthy clears them.
    /// </summary>
    public ImmutableSortedSet<string> FailedCommits { get; init; } = NoCommits;

    /// <summary>When the store last wrote this state; set by the store.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>A stack no pass has touched yet.</summary>
    public static StackState Initial(string stack)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stack);
        return new StackState { Stack = stack };
    }

    /// <summary>Whether <paramref name="commit"/> failed before and must wait for a newer commit.</summary>
    public bool IsFailedCommit(string commit) => FailedCommits.Contains(commit);

    /// <summary>A pass is about to deploy <paramref name="commit"/>.</summary>
    public StackState Attempting(string commit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        return this with { LastAttemptedCommit = commit };
    }

    /// <summary>
    /// The pass brought the stack to <paramref name="commit"/>: by changing it
    /// (<see cref="DeploymentResult.Applied"/>) or by finding nothing to change
    /// (<see cref="DeploymentResult.Noop"/>). Health comes later: see <see cref="BecameHealthy"/>.
    /// </summary>
    public StackState Applied(string commit, DeploymentResult result, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        if (result is not (DeploymentResult.Applied or DeploymentResult.Noop))
        {
            throw new ArgumentOutOfRangeException(nameof(result), result, "a successful pass ends Applied or Noop");
        }
        return this with
        {
            LastAppliedCommit = commit,
            LastResult = result,
            SyncStatus = SyncStatus.Synced,
            LastError = null,
            DriftSummary = null,
            LastSuccessAt = at,
        };
    }

    /// <summary>
    /// The services at <paramref name="commit"/> became healthy: it is the new rollback target,
    /// with the image each service runs. Earlier failed commits are forgotten, since a newer
    /// commit has arrived and worked.
    /// </summary>
    public StackState BecameHealthy(string commit, IReadOnlyDictionary<string, string> imagesByService)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commit);
        ArgumentNullException.ThrowIfNull(imagesByService);
        // Never less than was known: an observation that missed a service (or failed, and found
        // none) must not erase the image a rollback to this same commit would need.
        var images = commit == LastGoodCommit ? LastGoodImages.SetItems(imagesByService) : NoImages.AddRange(imagesByService);
        var history = GoodHistory.RemoveAll(g => g.Commit == commit).Insert(0, new GoodCommit(commit, images));
        return this with
        {
            LastGoodCommit = commit,
            LastGoodImages = images,
            GoodHistory = history.Length > GoodHistoryLength ? history.RemoveRange(GoodHistoryLength, history.Length - GoodHistoryLength) : history,
            FailedCommits = NoCommits,
        };
    }

    /// <summary>
    /// The pass failed (<see cref="DeploymentResult.Failed"/>), or failed and was rolled back
    /// (<see cref="DeploymentResult.RolledBack"/>).
    /// </summary>
    /// <param name="blockCommit">
    /// True when the failure is the commit's own (stalled: it needs a new commit), so
    /// <see cref="StackError.Commit"/> joins <see cref="FailedCommits"/>. False for transient
    /// causes, such as an unreachable engine or registry, that a retry may cure.
    /// </param>
    public StackState Failed(StackError error, DeploymentResult result, bool blockCommit)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (result is not (DeploymentResult.Failed or DeploymentResult.RolledBack))
        {
            throw new ArgumentOutOfRangeException(nameof(result), result, "a failed pass ends Failed or RolledBack");
        }
        if (blockCommit && error.Commit is null)
        {
            throw new ArgumentException("blocking a commit needs the error's commit", nameof(error));
        }
        return this with
        {
            SyncStatus = SyncStatus.Failed,
            LastResult = result,
            LastError = error,
            FailedCommits = blockCommit ? FailedCommits.Add(error.Commit!) : FailedCommits,
        };
    }

    /// <summary>
    /// <paramref name="images"/> were pulled successfully at <paramref name="at"/> (by any pass:
    /// a deploy, a repair while holding the last good commit, a rollback). References not pulled
    /// within <see cref="PullMemory"/> before <paramref name="at"/> are forgotten.
    /// </summary>
    public StackState Pulled(IEnumerable<string> images, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(images);
        var forgotten = LastPulled.Where(p => at - p.Value > PullMemory).Select(p => p.Key).ToList();
        var pulled = LastPulled.RemoveRange(forgotten);
        foreach (var image in images)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(image);
            pulled = pulled.SetItem(image, at);
        }
        return this with { LastPulled = pulled };
    }

    /// <summary>Reconciler pulled the images <paramref name="imageIds"/> for this stack at <paramref name="at"/>.</summary>
    public StackState PulledIds(IEnumerable<string> imageIds, DateTimeOffset at) =>
        this with { PulledImages = PulledImages.SetItems(imageIds.Select(id => KeyValuePair.Create(id, at))) };

    /// <summary>Garbage collection removed <paramref name="imageIds"/>: nothing to remember of them.</summary>
    public StackState Collected(IEnumerable<string> imageIds) => this with { PulledImages = PulledImages.RemoveRange(imageIds) };

    /// <summary>The guardrail warnings of the commit the pass loaded.</summary>
    public StackState Findings(IEnumerable<string> findings) => this with { PolicyFindings = [.. findings] };

    /// <summary>The live containers differ from the applied commit, or a newer commit waits.</summary>
    public StackState OutOfSync(string summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return this with { SyncStatus = SyncStatus.OutOfSync, DriftSummary = summary };
    }

    public StackState Suspend() => this with { Suspended = true };

    /// <summary>What the stack looks like now is unknown until the next pass checks.</summary>
    public StackState Resume() => this with { Suspended = false, SyncStatus = SyncStatus.Unknown };

    // Records compare collections by reference; state read back from the store must equal the
    // state written, so the collections are compared by content.
    public bool Equals(StackState? other) =>
        other is not null
        && Stack == other.Stack
        && LastAttemptedCommit == other.LastAttemptedCommit
        && LastAppliedCommit == other.LastAppliedCommit
        && LastGoodCommit == other.LastGoodCommit
        && LastGoodImages.Count == other.LastGoodImages.Count
        && LastGoodImages.All(pair => other.LastGoodImages.TryGetValue(pair.Key, out var image) && image == pair.Value)
        && LastPulled.Count == other.LastPulled.Count
        && LastPulled.All(pair => other.LastPulled.TryGetValue(pair.Key, out var at) && at == pair.Value)
        && GoodHistory.SequenceEqual(other.GoodHistory)
        && PulledImages.Count == other.PulledImages.Count
        && PulledImages.All(pair => other.PulledImages.TryGetValue(pair.Key, out var at) && at == pair.Value)
        && PolicyFindings.SequenceEqual(other.PolicyFindings)
        && SyncStatus == other.SyncStatus
        && Suspended == other.Suspended
        && LastResult == other.LastResult
        && LastError == other.LastError
        && LastSuccessAt == other.LastSuccessAt
        && DriftSummary == other.DriftSummary
        && FailedCommits.SetEquals(other.FailedCommits)
        && UpdatedAt == other.UpdatedAt;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Stack);
        hash.Add(LastAttemptedCommit);
        hash.Add(LastAppliedCommit);
        hash.Add(LastGoodCommit);
        hash.Add(LastGoodImages.Count);
        hash.Add(LastPulled.Count);
        hash.Add(SyncStatus);
        hash.Add(Suspended);
        hash.Add(LastResult);
        hash.Add(LastError);
        hash.Add(LastSuccessAt);
        hash.Add(DriftSummary);
        hash.Add(FailedCommits.Count);
        hash.Add(UpdatedAt);
        return hash.ToHashCode();
    }
}
