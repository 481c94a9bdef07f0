using Reconciler.Core.Policy;

namespace Reconciler.Core.Tests.Policy;

/// <summary>
/// The stack policy's rules, one test each, named by the rule (the numbers are those of
/// <see cref="StackPolicy"/>'s remarks and of docs/design.md). Each test walks one pass: the facts
/// the stack starts with, the outcome of each step in turn, and the decisions written as a trace.
/// </summary>
public sealed class StackPolicyTests
{
    // g0: the last good commit; a1: a newer head.
    private static readonly StackFacts Running = new() { Head = "g0", LastApplied = "g0", LastGood = "g0" };
    private static readonly StackFacts NewHead = Running with { Head = "a1" };
    private static readonly StackFacts HeadFailed = NewHead with { HeadFailed = true, LastErrorCommit = "a1" };

    private static readonly Planned Changes = new(Empty: false, Blocked: false);
    private static readonly Planned NoChanges = new(Empty: true, Blocked: false);
    private static readonly Planned Blocked = new(Empty: false, Blocked: true);

    [Fact]
    public void R1_with_no_head_yet_the_pass_waits_for_the_first_fetch() =>
        Assert.Equal("waiting record none", PolicyWalk.Run(new StackFacts(), Trigger.Startup));

    [Fact]
    public void R2_a_head_that_failed_is_not_retried_the_last_applied_commit_is_held_with_its_images() =>
        Assert.Equal("converge hold g0 may-apply pinned | render: proceed | load: proceed | plan: proceed"
            + " | execute: failed a1 in load commit's fault held repeated record none",
            PolicyWalk.Run(HeadFailed with { SelfHeal = true }, Trigger.Drift, new Rendered(), new Rendered(), Changes, new Executed(null)));

    [Fact]
    public void R2_a_held_commit_that_matches_the_host_reports_the_heads_failure_once() =>
        Assert.Equal("converge hold g0 pinned | render: proceed | load: proceed | plan: failed a1 in load commit's fault held repeated record none",
            PolicyWalk.Run(HeadFailed, Trigger.Drift, new Rendered(), new Rendered(), NoChanges));

    [Fact]
    public void R2_a_held_commit_whose_repair_failed_is_retried_and_its_failure_is_not_the_heads() =>
        Assert.Equal("converge hold g0 may-apply pinned | render: proceed | load: proceed | plan: proceed"
            + " | execute: failed a1 in apply transient held retry record none",
            PolicyWalk.Run(HeadFailed with { SelfHeal = true }, Trigger.Drift, new Rendered(), new Rendered(), Changes, new Executed(FailureCause.Transient)));

    [Fact]
    public void R2_a_held_commit_that_was_not_the_last_good_one_runs_its_images_as_tagged() =>
        Assert.Equal("converge hold b1 may-apply | render: proceed | load: proceed | plan: proceed | execute: failed a1 in load commit's fault held repeated record none",
            PolicyWalk.Run(HeadFailed with { LastApplied = "b1" }, Trigger.Poll, new Rendered(), new Rendered(), Changes, new Executed(null)));

    [Fact]
    public void R2_a_failed_head_with_nothing_ever_applied_reports_its_recorded_failure_and_changes_nothing() =>
        Assert.Equal("failed a1 in load commit's fault repeated record none",
            PolicyWalk.Run(new StackFacts { Head = "a1", HeadFailed = true }, Trigger.Poll));

    [Fact]
    public void R3_a_new_commit_is_applied_and_recorded_as_the_last_good_one_once_it_passes_the_gate() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: applied a1 record applied",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Passed)));

    [Fact]
    public void R3_drift_on_a_drift_tick_is_only_reported_when_self_heal_is_off() =>
        Assert.Equal("converge deploy g0 | render: proceed | load: proceed | plan: driftreported g0 record outofsync",
            PolicyWalk.Run(Running, Trigger.Drift, new Rendered(), new Rendered(), Changes));

    [Fact]
    public void R3_drift_on_a_drift_tick_is_repaired_when_self_heal_is_on() =>
        Assert.Equal("converge deploy g0 may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: applied g0 record applied",
            PolicyWalk.Run(Running with { SelfHeal = true }, Trigger.Drift, new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Passed)));

    [Fact]
    public void R3_drift_found_by_a_poll_or_webhook_is_repaired_even_with_self_heal_off() =>
        Assert.Equal("converge deploy g0 may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: applied g0 record applied",
            PolicyWalk.Run(Running, Trigger.Webhook, new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Passed)));

    [Fact]
    public void R3_a_suspended_stack_reports_drift_and_changes_nothing_even_for_a_new_commit() =>
        Assert.Equal("converge deploy a1 new suspended | render: proceed | load: proceed | plan: suspended a1 record outofsync",
            PolicyWalk.Run(NewHead with { Suspended = true, SelfHeal = true }, Trigger.Manual, new Rendered(), new Rendered(), Changes));

    [Fact]
    public void R3_a_suspended_stack_in_sync_is_reported_suspended() =>
        Assert.Equal("converge deploy g0 suspended | render: proceed | load: proceed | plan: suspended g0 record insync",
            PolicyWalk.Run(Running with { Suspended = true }, Trigger.Drift, new Rendered(), new Rendered(), NoChanges));

    [Fact]
    public void R4_a_stack_folder_gone_from_the_commit_is_pruned_when_prune_stacks_is_on() =>
        Assert.Equal("converge deploy a1 new may-apply | render: prune | prune: applied a1 record applied",
            PolicyWalk.Run(NewHead with { PruneStacks = true }, Trigger.Poll, new FolderMissing(), new Pruned(2, Succeeded: true)));

    [Fact]
    public void R4_a_pruned_stack_with_nothing_left_to_remove_is_in_sync() =>
        Assert.Equal("converge deploy g0 | render: prune | prune: noop g0 record insync",
            PolicyWalk.Run(Running with { PruneStacks = true }, Trigger.Drift, new FolderMissing(), new Pruned(0, Succeeded: true)));

    [Fact]
    public void R4_a_prune_that_failed_is_retried() =>
        Assert.Equal("converge deploy a1 new may-apply | render: prune | prune: failed a1 in apply transient retry record failed",
            PolicyWalk.Run(NewHead with { PruneStacks = true }, Trigger.Poll, new FolderMissing(), new Pruned(1, Succeeded: false)));

    [Fact]
    public void R4_a_stack_folder_gone_is_the_commits_fault_when_prune_stacks_is_off() =>
        Assert.Equal("converge deploy a1 new may-apply | render: failed a1 in load commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new FolderMissing()));

    [Fact]
    public void R4_a_suspended_stack_is_never_pruned() =>
        Assert.Equal("converge deploy a1 new suspended | render: failed a1 in load commit's fault record failed",
            PolicyWalk.Run(NewHead with { PruneStacks = true, Suspended = true }, Trigger.Poll, new FolderMissing()));

    [Fact]
    public void R5_invalid_files_in_a_new_commit_are_the_commits_fault_and_change_nothing() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: failed a1 in load commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Webhook, new Rendered(), new LoadFailed()));

    [Fact]
    public void R5_invalid_files_met_again_on_a_commit_that_ran_before_are_retried() =>
        Assert.Equal("converge deploy g0 | render: proceed | load: failed g0 in load transient retry record failed",
            PolicyWalk.Run(Running, Trigger.Drift, new Rendered(), new LoadFailed()));

    [Fact]
    public void R5_a_blocked_plan_of_a_new_commit_is_the_commits_fault() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: failed a1 in plan commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), Blocked));

    [Fact]
    public void R5_a_blocked_plan_of_a_commit_that_ran_before_is_retried() =>
        Assert.Equal("converge deploy g0 may-apply | render: proceed | load: proceed | plan: failed g0 in plan transient retry record failed",
            PolicyWalk.Run(Running with { SelfHeal = true }, Trigger.Drift, new Rendered(), new Rendered(), Blocked));

    [Fact]
    public void R5_a_missing_folder_on_a_commit_that_ran_before_is_retried() =>
        Assert.Equal("converge deploy g0 | render: failed g0 in load transient retry record failed",
            PolicyWalk.Run(Running, Trigger.Drift, new FolderMissing()));

    [Fact]
    public void R6_a_tree_that_would_escape_its_directory_is_the_commits_fault() =>
        Assert.Equal("converge deploy a1 new may-apply | render: failed a1 in load commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new RenderFailed(UnsafeTree: true)));

    [Fact]
    public void R6_a_disk_that_refuses_the_tree_is_retried() =>
        Assert.Equal("converge deploy a1 new may-apply | render: failed a1 in load transient retry record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new RenderFailed(UnsafeTree: false)));

    [Fact]
    public void R7_an_engine_that_cannot_be_read_is_retried() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: failed a1 in plan transient retry record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), new PlanFailed()));

    [Fact]
    public void R8_an_empty_plan_records_the_commit_as_in_sync() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: noop a1 record insync",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), NoChanges));

    [Fact]
    public void R8_a_retried_commit_is_marked_as_a_retry() =>
        Assert.Equal("converge deploy a1 new may-apply retry | render: proceed | load: proceed | plan: noop a1 record insync",
            PolicyWalk.Run(NewHead with { LastErrorCommit = "a1" }, Trigger.Drift, new Rendered(), new Rendered(), NoChanges));

    [Fact]
    public void R9_a_failed_action_carries_its_own_cause_an_image_the_registry_lacks_is_the_commits() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: failed a1 in apply commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), Changes, new Executed(FailureCause.CommitsFault)));

    [Fact]
    public void R9_an_action_blocked_by_something_foreign_is_retried() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: failed a1 in apply blocked by foreign retry record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), Changes, new Executed(FailureCause.BlockedByForeign)));

    [Fact]
    public void R10_a_commit_failing_the_gate_is_rolled_back_to_the_last_good_one_with_rollback_auto() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: roll back to g0"
            + " | rollback: failed a1 in health commit's fault rolled back record rolledback",
            PolicyWalk.Run(NewHead with { AutoRollback = true }, Trigger.Poll,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Failed), new RolledBack(Succeeded: true)));

    [Fact]
    public void R10_a_rollback_that_did_not_converge_still_blocks_the_failed_commit() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: roll back to g0"
            + " | rollback: failed a1 in health commit's fault record failed",
            PolicyWalk.Run(NewHead with { AutoRollback = true }, Trigger.Poll,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Failed), new RolledBack(Succeeded: false)));

    [Fact]
    public void R10_a_commit_failing_the_gate_without_rollback_auto_is_blocked_and_left_running() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: failed a1 in health commit's fault record failed",
            PolicyWalk.Run(NewHead, Trigger.Poll, new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Failed)));

    [Fact]
    public void R10_a_first_deploy_failing_the_gate_is_retried_as_there_is_nothing_to_hold_instead() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: failed a1 in health transient retry record failed",
            PolicyWalk.Run(new StackFacts { Head = "a1", AutoRollback = true }, Trigger.Startup,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Failed)));

    [Fact]
    public void R10_the_last_good_commit_failing_its_own_gate_is_retried_not_rolled_back_onto_itself() =>
        Assert.Equal("converge deploy g0 may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: failed g0 in health transient retry record failed",
            PolicyWalk.Run(Running with { SelfHeal = true, AutoRollback = true }, Trigger.Drift,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Failed)));

    [Fact]
    public void R11_a_container_removed_while_the_gate_watched_is_retried_not_blamed_on_the_commit() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: failed a1 in health transient retry record failed",
            PolicyWalk.Run(NewHead with { AutoRollback = true }, Trigger.Poll,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Disappeared)));

    [Fact]
    public void R11_an_engine_gone_while_the_gate_watched_is_retried() =>
        Assert.Equal("converge deploy a1 new may-apply | render: proceed | load: proceed | plan: proceed | execute: proceed | gate: failed a1 in health transient retry record failed",
            PolicyWalk.Run(NewHead with { AutoRollback = true }, Trigger.Poll,
                new Rendered(), new Rendered(), Changes, new Executed(null), new Gated(GateResult.Interrupted)));

    [Fact]
    public void Every_step_outcome_the_policy_has_no_rule_for_is_refused_loudly() =>
        Assert.Throws<InvalidOperationException>(() => StackPolicy.AfterPlan(
            ((ConvergeCommit)StackPolicy.Start(NewHead, Trigger.Poll)).Convergence, new Rendered()));
}
