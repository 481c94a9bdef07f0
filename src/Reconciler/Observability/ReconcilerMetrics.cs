using System.Reflection;
using Prometheus;

namespace Reconciler.Observability;

/// <summary>
/// Every Prometheus series the daemon exports, with its name, help and labels: the one place to
/// read what /metrics holds (observability/README.md documents the same list). Label values are
/// bounded: stack, service, repo and branch names from the config and the compose files, a commit
/// sha per stack or repo at a time, and small closed sets (reason, field, phase, result, action,
/// state). Never a commit message, a container id or an error text.
/// </summary>
internal sealed class ReconcilerMetrics
{
    /// <summary>What a pass can end as in <c>result</c> labels.</summary>
    public static readonly string[] Results = ["noop", "applied", "failed"];

    /// <summary>Where a pass can fail, for <c>reconciler_stack_errors_total{phase}</c>.</summary>
    public static readonly string[] Phases = ["fetch", "load", "plan", "apply", "health", "internal"];

    /// <summary>What <c>reconciler_container_state{state}</c> distinguishes; every other engine state counts as exited.</summary>
    public static readonly string[] ContainerStates = ["running", "restarting", "exited", "unhealthy"];

    public ReconcilerMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var f = Metrics.WithCustomRegistry(registry);

        StackInSync = f.CreateGauge("reconciler_stack_in_sync",
            "1 when the stack's containers match its git commit, 0 when drifted, failed or not yet reconciled.", "stack");
        StackDrift = f.CreateGauge("reconciler_stack_drift",
            "Drifted containers of a service by reason (missing, stopped, config, image, orphan, unmanaged_conflict); 0 once cleared.",
            "stack", "service", "reason");
        StackDriftFields = f.CreateGauge("reconciler_stack_drift_fields",
            "Containers of a service whose spec differs from git in this field (image, environment, ports, mounts, labels, command, ...); 0 once cleared.",
            "stack", "service", "field");
        ServiceReplicas = f.CreateGauge("reconciler_service_replicas",
            "A Swarm stack's service: tasks it should run (state=desired) and tasks running, healthy where a healthcheck exists (state=running), as the last pass left them.",
            "stack", "service", "state");
        ServiceTaskRestarts = f.CreateCounter("reconciler_service_task_restarts_total",
            "A Swarm stack's service: tasks that ended by themselves (failed, rejected, complete) and were replaced by a new task of the same spec in their slot.",
            "stack", "service");
        StackInfo = f.CreateGauge("reconciler_stack_info",
            "1 for the stack's deployed commit and its status; one series per stack.",
            "stack", "repo", "branch", "commit", "sync_status", "health_status");
        StackLastSuccess = f.CreateGauge("reconciler_stack_last_success_timestamp_seconds",
            "Unix time of the stack's last pass that ended in sync (noop or applied).", "stack");
        StackErrors = f.CreateCounter("reconciler_stack_errors_total",
            "Failed passes by the phase that failed (fetch, load, plan, apply, health, internal).", "stack", "phase");
        StackHeld = f.CreateGauge("reconciler_stack_held",
            "1 while the stack's head commit failed (and was rolled back or never applied) and the last good commit is held instead.", "stack");
        Rollbacks = f.CreateCounter("reconciler_rollbacks_total",
            "Automatic rollbacks to the last good commit after a rollout failed its health gate.", "stack");
        ReconcileDuration = f.CreateHistogram("reconciler_reconcile_duration_seconds",
            "Duration of reconcile passes by result (noop, applied, failed).",
            new HistogramConfiguration
            {
                LabelNames = ["stack", "result"],
                Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
            });
        Reconciles = f.CreateCounter("reconciler_reconciles_total",
            "Reconcile passes by result (noop, applied, failed).", "stack", "result");
        Actions = f.CreateCounter("reconciler_actions_total",
            "Engine actions done by reconcile passes (pull, create, recreate, start, stop, remove, ...).", "stack", "service", "action");
        ContainerRestarts = f.CreateCounter("reconciler_container_restarts_total",
            "Restarts of the service's managed containers (restart policy, docker restart, a start after a stop), each counted once.",
            "stack", "service");
        ContainerOomKills = f.CreateCounter("reconciler_container_oom_kills_total",
            "Out-of-memory kills of the service's managed containers.", "stack", "service");
        ContainerState = f.CreateGauge("reconciler_container_state",
            "Managed containers of a service by state (running, restarting, exited, unhealthy).", "stack", "service", "state");
        ContainerCrashLoop = f.CreateGauge("reconciler_container_crashloop",
            "1 while the service's containers restarted at least 3 times in the last 5 minutes.", "stack", "service");
        GitFetches = f.CreateCounter("reconciler_git_fetches_total",
            "Checks of a repo's remote by result (fetched: a new commit came down, unchanged, failed).", "repo", "result");
        GitVerificationFailures = f.CreateCounter("reconciler_git_verification_failures_total",
            "Heads of a repo refused by verify: (not deployed), by reason (unsigned, bad_signature, untrusted_key, unsupported_signature, verifier_error); each commit counted once.",
            "repo", "reason");
        GitLastFetch = f.CreateGauge("reconciler_git_last_fetch_timestamp_seconds",
            "Unix time of the repo's last successful check of its remote.", "repo");
        GitHeadInfo = f.CreateGauge("reconciler_git_head_info",
            "1 for the commit the repo's mirror holds for its branch; one series per repo.", "repo", "branch", "commit");
        CacheResyncs = f.CreateCounter("reconciler_cache_resyncs_total",
            "Full lists of the engine by the engine cache, by reason (start, reconnect, period); mismatch: the list showed changes the event stream had not told.",
            "reason");
        foreach (var reason in Reconciler.Docker.Cache.ResyncReason.All) CacheResyncs.WithLabels(reason);
        PolicyFindings = f.CreateGauge("reconciler_policy_findings",
            "Guardrail warnings on the stack's current commit, per service and rule (rules on warn; 0 once fixed or allowed).",
            "stack", "service", "rule");
        ImageGcRemoved = f.CreateCounter("reconciler_image_gc_removed_total",
            "Images removed by garbage collection after deploys.");
        ImageGcReclaimed = f.CreateCounter("reconciler_image_gc_reclaimed_bytes_total",
            "Bytes of images removed by garbage collection after deploys (the engine's size of each image removed).");
        DiskSize = f.CreateGauge("reconciler_docker_disk_size_bytes",
            "Size of the filesystem holding Docker's data root (docker info's DockerRootDir).");
        DiskFree = f.CreateGauge("reconciler_docker_disk_free_bytes",
            "Bytes available to unprivileged users on the filesystem holding Docker's data root.");
        StackImageBytes = f.CreateGauge("reconciler_stack_image_bytes",
            "Bytes of the local images the stack's containers run (shared layers counted in each image).", "stack");
        ContainerMemoryUsage = f.CreateGauge("reconciler_container_memory_usage_bytes",
            "Memory the service's running containers use (engine stats, page cache excluded), the largest replica.", "stack", "service");
        ContainerMemoryLimit = f.CreateGauge("reconciler_container_memory_limit_bytes",
            "The memory limit of the service's containers; 0 when it has none.", "stack", "service");
        Notifications = f.CreateCounter("reconciler_notifications_total",
            "Deliveries to notification providers and forge APIs (provider forge:REPO) by result: sent, retried (an attempt failed, another follows), failed (given up), dropped (queue full), deduplicated.",
            "provider", "result");
        BuildInfo = f.CreateGauge("reconciler_build_info", "1, labelled with the running daemon's version.", "version");
        BuildInfo.WithLabels(Version).Set(1);
        HostInfo = f.CreateGauge("reconciler_host_info",
            "1, labelled with this daemon's host_id: join it on instance to filter any series by host.", "host_id", "version");
        HostFileOk = f.CreateGauge("reconciler_host_file_ok",
            "With fleet: 1 while the host file at the fleet repo's head is the one in use, 0 while it is refused (the last good one runs).");
        HostFileRefusals = f.CreateCounter("reconciler_host_file_refusals_total",
            "With fleet: host files refused, by reason (invalid: YAML, keys, repos or names; empty: every stack dropped without the commit allowing it); each commit counted once.",
            "reason");
    }

    /// <summary>
    /// Removes every series of <paramref name="stack"/> (families labelled by <c>stack</c> first): a
    /// stack that left this host must not be graphed as stuck at its last values.
    /// </summary>
    public void ForgetStack(string stack)
    {
        Forget(StackInSync, stack); Forget(StackHeld, stack); Forget(Rollbacks, stack); Forget(StackDrift, stack);
        Forget(StackDriftFields, stack); Forget(ServiceReplicas, stack); Forget(ServiceTaskRestarts, stack); Forget(StackInfo, stack); Forget(StackLastSuccess, stack); Forget(StackErrors, stack);
        Forget(ReconcileDuration, stack); Forget(Reconciles, stack); Forget(Actions, stack); Forget(ContainerRestarts, stack);
        Forget(ContainerOomKills, stack); Forget(ContainerState, stack); Forget(ContainerCrashLoop, stack);
        Forget(PolicyFindings, stack); Forget(StackImageBytes, stack); Forget(ContainerMemoryUsage, stack); Forget(ContainerMemoryLimit, stack);
    }

    private static void Forget<TChild>(Collector<TChild> family, string stack) where TChild : ChildBase
    {
        foreach (var labels in family.GetAllLabelValues().Where(l => l.Length > 0 && l[0] == stack).ToList()) family.RemoveLabelled(labels);
    }

    public CollectorRegistry Registry { get; }
    public Gauge StackInSync { get; }
    public Gauge StackHeld { get; }
    public Counter Rollbacks { get; }
    public Gauge StackDrift { get; }
    public Gauge StackDriftFields { get; }
    public Gauge ServiceReplicas { get; }
    public Counter ServiceTaskRestarts { get; }
    public Gauge StackInfo { get; }
    public Gauge StackLastSuccess { get; }
    public Counter StackErrors { get; }
    public Histogram ReconcileDuration { get; }
    public Counter Reconciles { get; }
    public Counter Actions { get; }
    public Counter ContainerRestarts { get; }
    public Counter ContainerOomKills { get; }
    public Gauge ContainerState { get; }
    public Gauge ContainerCrashLoop { get; }
    public Counter GitFetches { get; }
    public Counter GitVerificationFailures { get; }
    public Gauge GitLastFetch { get; }
    public Gauge GitHeadInfo { get; }
    public Gauge BuildInfo { get; }
    public Gauge HostInfo { get; }
    public Gauge HostFileOk { get; }
    public Counter HostFileRefusals { get; }
    public Gauge PolicyFindings { get; }
    public Counter ImageGcRemoved { get; }
    public Counter ImageGcReclaimed { get; }
    public Gauge DiskSize { get; }
    public Gauge DiskFree { get; }
    public Gauge StackImageBytes { get; }
    public Gauge ContainerMemoryUsage { get; }
    public Gauge ContainerMemoryLimit { get; }
    public Counter CacheResyncs { get; }
    public Counter Notifications { get; }

    /// <summary>What <c>reconciler_notifications_total{result}</c> distinguishes.</summary>
    public static readonly string[] NotificationResults = ["sent", "retried", "failed", "dropped", "deduplicated"];

    /// <summary>The daemon's version without the source revision suffix (<see cref="ProductVersion"/>).</summary>
    public static string Version => ProductVersion.Version;
}
