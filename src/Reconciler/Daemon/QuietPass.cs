using Reconciler.Core.Observed;
using Reconciler.Core.Policy;
using Reconciler.State;

namespace Reconciler.Daemon;

/// <summary>
/// A drift pass that found its stack in sync and wrote nothing, with what it was computed from. A
/// drift tick asks that question again every drift_interval; while none of its inputs changed, the
/// answer is the same, and the next tick gives it without rendering, loading, planning or
/// recording (<see cref="StackReconciler"/>). Inputs are compared as <see cref="LastPlan"/> compares
/// them, by identity where the source hands out one object per version: the stack's record (the
/// store returns its copy while the row's stamp is unchanged, so a suspend from the CLI or a write
/// of ours is a new object), and the engine cache's answer for the stack (one object per snapshot
/// and question, so any event on the stack's containers, networks, volumes or images is a new one).
/// The head, the rendered tree's marker and the host files are compared by value. A pass whose
/// plan depends on the clock (pull_policy daily/weekly/every_*) is never remembered, and the
/// once-a-minute record of the last success is always made by a full pass.
/// </summary>
internal sealed record QuietPass(
    string Head,
    StackState State,
    string HostFiles,
    ObservedQuery Query,
    ObservedState Observed,
    StackPassResult Result);

/// <summary>What a pass asks the engine (or its cache) for a desired project: its project, the container names it wants, the networks and volumes it names.</summary>
internal sealed record ObservedQuery(string Project, IReadOnlyCollection<string> Containers, IReadOnlyCollection<string> Resources);
