using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Docker;
using Reconciler.Git;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// One reconcile pass of one stack, as a pipeline of named steps: render the commit's files → load
/// them → plan against the engine → execute → gate the rollout (→ roll back, or prune a stack whose
/// folder is gone). After each step <see cref="StackPolicy"/> decides what comes next; the pass ends
/// with the policy's verdict, from which state, history and the log are written once
/// (<see cref="RecordAsync"/>) and the result is built (status, metrics and the span read that).
/// A bad commit never touches what runs: loading or planning fails before any action. Never throws
/// but for cancellation.
/// </summary>
public sealed partial class StackReconciler(
    StackConfig stack,
    bool pruneStacks,
    GitRepositoryMirror mirror,
    IContainerEngine engine,
    IStateStore store,
    string stateDir,
    TimeProvider time,
    ILogger logger,
    HeadVerification? verification = null,
    Docker.Swarm.SwarmEngine? swarm = null) : IStackPass
{
    private readonly CommitLoadCache _loads = new();
    // What each recently rendered commit decrypted (memory only): see MaterializeAsync.
    private readonly Dictionary<string, Sops.RenderedSecrets> _secrets = new(StringComparer.Ordinal);

    public StackConfig Stack => stack;

    /// <summary>(stack, commit): a deploy of the head begins changing the host (for the pending deploy status).</summary>
    public event Action<string, string>? DeployStarting;

    /// <summary>Where the stack's repo tree is rendered; stable across commits so bind mounts keep their paths.</summary>
    public string TreeDirectory => Path.Combine(stateDir, "stacks", stack.Name, "tree");

    public async Task<StackPassResult> ReconcileAsync(Trigger trigger, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var run = new PassRun(trigger, await SafeGetStateAsync(ct).ConfigureAwait(false));
        // verify: a head whose signature is not trusted is never converged; the stack keeps its last verified commit.
        var head = verification is null ? mirror.GetLocalHead() : verification.Deployable(mirror.GetLocalHead(), run.State.LastAppliedCommit);
        if (trigger == Trigger.Drift && await QuietAnswerAsync(head, run.State, ct).ConfigureAwait(false) is { } same)
            return same with { Duration = watch.Elapsed };
        _quiet = null;
        var verdict = await ConvergeAsync(FactsOf(head, run.State), run, ct).ConfigureAwait(false);
        if (OnSwarm) await ReadSwarmTasksAsync(run, ct).ConfigureAwait(false);
        await RecordAsync(verdict, run, ct).ConfigureAwait(false);
        var result = ResultOf(verdict, run, watch.Elapsed);
        _quiet = QuietPassOf(head, verdict, run, result);
        return result;
    }

    private QuietPass? _quiet;

    /// <summary>The last quiet pass's answer, when nothing it was computed from changed (<see cref="QuietPass"/>); else null.</summary>
    private async Task<StackPassResult?> QuietAnswerAsync(string? head, StackState state, CancellationToken ct)
    {
        if (_quiet is not { } q || head != q.Head || !ReferenceEquals(state, q.State) || _unsaved || !engine.State.AnswersFromMemory) return null;
        if (state.LastSuccessAt is not { } last || time.GetUtcNow() - last >= InSyncRecordInterval) return null;
        if (!GitRepositoryMirror.IsRendered(head, TreeDirectory)) return null;
        if (CommitLoadCache.HostFilesFingerprint(stack.HostFiles) != q.HostFiles) return null;
        var observed = await ObserveAsync(q.Query, ct).ConfigureAwait(false);
        return ReferenceEquals(observed, q.Observed) ? q.Result : null;
    }

    /// <summary>
    /// What the next drift tick may answer without a full pass: a pass that found the head in sync,
    /// did nothing and wrote nothing (its record is the one it read), on a plain host stack whose plan
    /// does not depend on the clock. Swarm stacks (tasks are read every pass) and stacks with sops
    /// files (the export is checked through the decryption filter) always take the full pass.
    /// </summary>
    private QuietPass? QuietPassOf(string? head, PassVerdict verdict, PassRun run, StackPassResult result) =>
        verdict is { Record: RecordKind.InSync, Outcome: PassOutcome.Noop, Held: false } && head is not null
        && run.Convergence is { Mode: ConvergeMode.Deploy, PinLastGoodImages: false, IsNewCommit: false } c && c.Commit == head
        && !OnSwarm && stack.AgeKeyFile is null && !_unsaved && engine.State.AnswersFromMemory && ReferenceEquals(_known, run.State)
        && run.DeploymentId is null && run.Executions.Count == 0
        && run.Desired is { } desired && run.Observed is { } observed && run.Plan is { IsEmpty: true }
        && !Core.Planning.Planner.DependsOnTime(desired)
            ? new QuietPass(head, run.State, CommitLoadCache.HostFilesFingerprint(stack.HostFiles), QueryOf(desired), observed, result)
            : null;

    private StackFacts FactsOf(string? head, StackState state) => new()
    {
        Head = head,
        LastApplied = state.LastAppliedCommit,
        LastGood = state.LastGoodCommit,
        HeadFailed = head is not null && state.IsFailedCommit(head),
        LastErrorCommit = state.LastError?.Commit,
        Suspended = stack.Suspend || state.Suspended,
        SelfHeal = stack.SelfHeal,
        PruneStacks = pruneStacks,
        AutoRollback = stack.Rollback == "auto",
    };

    /// <summary>The steps in order, each followed by the policy's decision; a step's span covers it.</summary>
    private async Task<PassVerdict> ConvergeAsync(StackFacts facts, PassRun run, CancellationToken ct)
    {
        var next = StackPolicy.Start(facts, run.Trigger);
        if (next is not ConvergeCommit { Convergence: var c }) return ((FinishPass)next).Verdict;
        run.Convergence = c;
        var steps = new (string Name, Func<CancellationToken, Task<StepOutcome>> Run, Func<StepOutcome, Next> Decide)[]
        {
            ("render", t => RenderAsync(run, t), o => StackPolicy.AfterRender(facts, c, o)),
            ("load", t => LoadAsync(run, t), o => StackPolicy.AfterLoad(c, o)),
            ("plan", t => PlanAsync(run, t), o => StackPolicy.AfterPlan(c, o)),
            ("apply", t => ExecuteAsync(run, t), o => StackPolicy.AfterExecute(c, o)),
            ("health", t => GateAsync(run, t), o => StackPolicy.AfterGate(facts, c, o)),
        };
        foreach (var (name, step, decide) in steps)
        {
            next = decide(await TracedAsync(name, run, step, ct).ConfigureAwait(false));
            switch (next)
            {
                case FinishPass finish:
                    return finish.Verdict;
                case PruneStack:
                    return Verdict(StackPolicy.AfterPrune(c, await TracedAsync("prune", run, t => PruneAsync(run, t), ct).ConfigureAwait(false)));
                case RollBackTo back:
                    return Verdict(StackPolicy.AfterRollBack(c, await TracedAsync("rollback", run, t => RollBackAsync(back.Commit, run, t), ct).ConfigureAwait(false)));
            }
        }
        throw new InvalidOperationException("the policy let a pass run past its last step");
    }

    private static PassVerdict Verdict(Next next) => next is FinishPass f ? f.Verdict
        : throw new InvalidOperationException($"the policy asked for {next.GetType().Name} after a final step");

    private async Task<StepOutcome> TracedAsync(string name, PassRun run, Func<CancellationToken, Task<StepOutcome>> step, CancellationToken ct)
    {
        var started = Tracing.ReconcilerTelemetry.PhaseStart();
        var errorBefore = run.Error;
        var outcome = await step(ct).ConfigureAwait(false);
        Tracing.ReconcilerTelemetry.Phase(name, stack.Name, run.Convergence?.Commit, started, run.Error != errorBefore ? run.Error : null);
        return outcome;
    }

    /// <summary>
    /// Author and subject of the commit a deploy converges, for its history row and log line: read
    /// when one is written, not by every drift pass (opening the repository costs a millisecond).
    /// </summary>
    private GitCommitInfo? InfoOf(PassRun run) =>
        run.Convergence is { Mode: ConvergeMode.Deploy } c ? run.Info ??= CommitInfo(c.Commit) : null;

    private GitCommitInfo? CommitInfo(string commit)
    {
        try
        {
            return mirror.GetCommit(commit);
        }
        catch (GitException)
        {
            return null; // history loses author and subject, nothing else
        }
    }

    private StackPassResult ResultOf(PassVerdict verdict, PassRun run, TimeSpan duration) => new()
    {
        Stack = stack.Name,
        Commit = verdict.Commit,
        Outcome = verdict.Outcome,
        Error = verdict.Outcome == PassOutcome.Waiting ? "waiting for the first fetch of the repo" : ErrorText(verdict, run),
        FailedPhase = verdict.Phase,
        Actions = run.Actions,
        Drift = run.Drift,
        Findings = run.Findings,
        Done = run.Done,
        Duration = duration,
        RolledBack = verdict.RolledBack,
        RolledBackTo = verdict.RolledBack ? run.State.LastGoodCommit : null,
        Held = verdict.Held,
        Repeated = verdict.Repeated,
        Transient = verdict.Retry,
        Plan = run.Plan is { } plan && run.Convergence is { } c ? new PassPlan(c.Commit, plan) : null,
        Replicas = run.SwarmTasks?.Select(s => new ServiceReplicas(s.Service, s.DesiredTasks, s.RunningTasks)).ToList(),
        SwarmTasks = run.SwarmTasks,
    };

    /// <summary>A held or repeated failure shows the one recorded when it happened; a new one says where it is.</summary>
    private static string? ErrorText(PassVerdict verdict, PassRun run) =>
        verdict.Outcome != PassOutcome.Failed ? null
        : verdict.Held || verdict.Repeated || run.Error is null ? run.State.LastError?.ToString()
        : run.ErrorAt is { } at ? $"{at.File}:{at.Line}: {run.Error}" : run.Error;

    internal static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>
    /// <see cref="TreeDirectory"/> of a stack, without a reconciler: what <c>plan --ref</c> loads a
    /// commit as, so that its paths are the ones a deploy of it would have.
    /// </summary>
    public static string TreeDirectoryOf(string stateDir, string stack) => Path.Combine(stateDir, "stacks", stack, "tree");
}

