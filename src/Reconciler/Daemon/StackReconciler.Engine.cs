using System.Collections.Immutable;
using Reconciler.Core.Desired;
using Reconciler.Core.Observed;
using Reconciler.Core.Planning;
using Reconciler.Docker.Execution;

namespace Reconciler.Daemon;

/// <summary>What the steps share: loading a commit, planning against the engine, the executor.</summary>
public sealed partial class StackReconciler
{
    private readonly LastPlan _lastPlan = new();

    /// <summary>
    /// The commit's load, from the cache when an earlier pass loaded it: the files of a commit do not
    /// change, so drift passes do not read and parse them again (<see cref="CommitLoadCache"/>).
    /// </summary>
    private async Task<(LoadedCommit Loaded, bool Cached)> LoadCommitAsync(string commit, string stackDir, CancellationToken ct)
    {
        var fresh = false;
        var loaded = await _loads.GetAsync(commit, CommitLoadCache.HostFilesFingerprint(stack.HostFiles), () =>
        {
            fresh = true;
            var loaded = StackLoading.Load(stack, TreeDirectory, stackDir, commit, StackLoading.ProcessEnvironment());
            return loaded.Desired is { } desired && SecretsOf(commit) is { } secrets
                ? loaded with { Desired = secrets.Redact(desired, TreeDirectory) }
                : loaded;
        }, ct).ConfigureAwait(false);
        return (loaded, !fresh);
    }

    /// <summary>
    /// Exports the commit's tree. With an <c>age_key_file</c>, sops files in the stack's folder are
    /// written decrypted (0600) below a stack folder only the daemon's user may enter (0700), and what
    /// was decrypted is remembered per commit to keep it out of plans; a commit not seen by this process
    /// yet is compared file by file even when the export holds it, so that is known after a restart too.
    /// </summary>
    private async Task<string?> MaterializeAsync(string commit, CancellationToken ct)
    {
        if (stack.AgeKeyFile is not { } keyFile) return await mirror.MaterializeAsync(commit, "", TreeDirectory, ct).ConfigureAwait(false);
        var stackFolder = Path.GetDirectoryName(TreeDirectory)!;
        Directory.CreateDirectory(stackFolder);
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            File.SetUnixFileMode(stackFolder, owner);
            if (Directory.Exists(TreeDirectory)) File.SetUnixFileMode(TreeDirectory, owner);
        }
        var filter = new Sops.SopsExportFilter(stack.Path, Sops.AgeIdentity.ReadFile(keyFile));
        var force = SecretsOf(commit) is null;
        var tree = await mirror.MaterializeAsync(commit, "", TreeDirectory, filter, force, ct).ConfigureAwait(false);
        if (force && tree is not null)
        {
            lock (_secrets)
            {
                _secrets[commit] = filter.Rendered;
                // The head, the last good commit and a rollback target are all a stack needs at once.
                while (_secrets.Count > 4) _secrets.Remove(_secrets.Keys.First());
            }
        }
        return tree;
    }

    private Sops.RenderedSecrets? SecretsOf(string commit)
    {
        lock (_secrets) return _secrets.TryGetValue(commit, out var s) ? s : null;
    }

    private async Task<(Plan Plan, ObservedState Observed)> PlanAgainstEngineAsync(DesiredProject desired, bool newCommit, bool removeOrphans, CancellationToken ct)
    {
        var observed = await ObserveAsync(QueryOf(desired), ct).ConfigureAwait(false);
        var plan = _lastPlan.PlanOrReuse(desired, observed, new PlanOptions
        {
            Now = time.GetUtcNow(),
            RemoveOrphans = removeOrphans,
            PullAlways = newCommit,
            // The stack's state as this process knows it (read at the pass's start, plus the pulls recorded since).
            LastPulled = _known?.LastPulled ?? ImmutableSortedDictionary<string, DateTimeOffset>.Empty,
        });
        return (plan, observed);
    }

    private Task<ObservedState> ObserveAsync(ObservedQuery q, CancellationToken ct) =>
        engine.State.ReadAsync(q.Project, q.Containers, ct, q.Resources);

    // The desired state is one object per commit (CommitLoadCache): so is the question it asks.
    private ObservedQuery? _query;
    private DesiredProject? _queryOf;

    private ObservedQuery QueryOf(DesiredProject desired)
    {
        if (ReferenceEquals(_queryOf, desired) && _query is { } known) return known;
        var query = new ObservedQuery(desired.Name, Planner.WantedContainerNames(desired),
            [.. desired.Networks.Values.Select(n => n.Name), .. desired.ExternalNetworks, .. desired.Volumes.Values.Select(v => v.Name), .. desired.ExternalVolumes]);
        (_query, _queryOf) = (query, desired);
        return query;
    }

    /// <summary>
    /// The one executor of every step (deploy, hold, rollback, prune): each action logged and traced,
    /// depends_on conditions waited for up to the stack's health_timeout.
    /// </summary>
    private PlanExecutor Executor(string commit) => new(engine.Containers, engine.Networks, engine.Volumes, engine.Images,
        Tracing.ReconcilerTelemetry.TraceActions(new ExecutionLog(logger, stack.Name, Short(commit)), stack.Name, commit),
        dependencyTimeout: stack.HealthTimeout);

    /// <summary>Services pinned to the images they ran at the last good commit (a built one is not built again: its image is kept for this).</summary>
    internal static DesiredProject PinImages(DesiredProject desired, IReadOnlyDictionary<string, string> images) =>
        desired with
        {
            Services = desired.Services.ToImmutableSortedDictionary(kv => kv.Key, kv =>
                images.TryGetValue(kv.Key, out var id) && id.Length > 0
                    ? kv.Value with { Image = id, PullPolicy = "never", Build = null, Template = kv.Value.Template with { Image = id } }
                    : kv.Value, StringComparer.Ordinal),
        };

    private string Relative(string file) => file.StartsWith(TreeDirectory + "/", StringComparison.Ordinal) ? file[(TreeDirectory.Length + 1)..] : file;
}
