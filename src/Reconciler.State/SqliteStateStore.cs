using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Reconciler.State;

/// <summary>
/// <see cref="IStateStore"/> in SQLite, in <c>&lt;state_dir&gt;/state.db</c>. One instance per
/// process; several processes (the daemon and a <c>reconciler suspend</c>) may use the same file.
/// </summary>
public sealed class SqliteStateStore : IStateStore, IDisposable
{
    private const string StackColumns =
        "name, last_attempted_commit, last_applied_commit, last_good_commit, last_good_images, sync_status, suspended, " +
        "last_result, last_error_message, last_error_commit, last_error_file, last_error_line, last_success_at, " +
        "drift_summary, failed_commits, last_pulled, good_history, pulled_images, policy_findings, updated_at";

    private const string RepoColumns = "repo, head_commit, head_seen_at, last_fetch_at";

    private const string DeploymentColumns =
        "id, stack, commit_sha, author, subject, trigger, started_at, finished_at, result, action_count, error";

    private readonly StateDatabase _database;
    private readonly TimeProvider _time;

    public SqliteStateStore(SqliteStateStoreOptions options, TimeProvider timeProvider)
        : this(options, timeProvider, SchemaMigrations.All)
    {
    }

    /// <summary>With another schema: for tests of upgrades.</summary>
    internal SqliteStateStore(SqliteStateStoreOptions options, TimeProvider timeProvider, IReadOnlyList<SchemaMigration> migrations)
    {
        _database = new StateDatabase(options, timeProvider, migrations);
        _time = timeProvider;
    }

    /// <summary>The database file, <c>&lt;state_dir&gt;/state.db</c>.</summary>
    public string DatabasePath => _database.Path;

    public Task<StateStoreOpened> OpenAsync(CancellationToken cancellationToken) => _database.OpenAsync(cancellationToken);

    public async Task<StackState?> GetStackAsync(string stack, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stack);
        if (TryKnown(stack, out var known)
            && _database.TryProbe(StackStampSql, "$name", stack, out var stamp) && stamp == StampOf(known))
        {
            return known;
        }
        var writes = Volatile.Read(ref _stackWrites);
        var read = await _database.ReadAsync($"read stack '{stack}'",
            (connection, ct) => ReadStackAsync(connection, null, stack, ct), cancellationToken);
        // A write of this process meanwhile has put its own (newer) copy here already.
        lock (_stacks)
        {
            if (_stackWrites == writes) Remember(stack, read);
        }
        return read;
    }

    // The stacks as this process last read or wrote them. The daemon reads a stack's record at the
    // start of every pass, and the row seldom changes (a drift pass that finds the stack in sync
    // writes at most once a minute): a read whose row still has the stamp of the copy here
    // returns the copy, without parsing the row's six JSON columns again. The stamp is the row's
    // write time (100 ns) and its suspended flag, read from the database every time, so a
    // `reconciler suspend` from another process is seen at the next read. Copies are validated,
    // never trusted: racing reads and writes may leave an older copy here, whose stamp then differs.
    private readonly Dictionary<string, StackState> _stacks = new(StringComparer.Ordinal);
    private long _stackWrites;

    private const string StackStampSql = "SELECT updated_at || '|' || suspended FROM stacks WHERE name = $name";

    private static string? StampOf(StackState state) =>
        state.UpdatedAt is { } at ? StateText.Time(at) + "|" + (state.Suspended ? "1" : "0") : null;

    private bool TryKnown(string stack, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StackState? known)
    {
        lock (_stacks) return _stacks.TryGetValue(stack, out known);
    }

    // Callers hold the lock of _stacks.
    private void Remember(string stack, StackState? state)
    {
        if (state is null) _stacks.Remove(stack);
        else _stacks[stack] = state;
    }

    /// <summary>
    /// A write of this process, noted while its transaction holds SQLite's write lock, so copies are
    /// noted in the order the writes commit. A write that then fails to commit leaves a copy whose
    /// stamp the row never gets, so it is read again.
    /// </summary>
    private void Wrote(string stack, StackState? state)
    {
        lock (_stacks)
        {
            _stackWrites++;
            Remember(stack, state);
        }
    }

    public Task<IReadOnlyList<StackState>> ListStacksAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync("list stacks", async (connection, ct) =>
        {
            await using var command = Command(connection, null, $"SELECT {StackColumns} FROM stacks ORDER BY name");
            return await ReadAllAsync(command, ReadStack, ct);
        }, cancellationToken);

    public Task<StackState> UpdateStackAsync(string stack, Func<StackState, DateTimeOffset, StackState> change, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stack);
        ArgumentNullException.ThrowIfNull(change);
        return _database.RunAsync($"update stack '{stack}'", async (connection, ct) =>
        {
            await using var transaction = StateDatabase.BeginWrite(connection);
            var now = _time.GetUtcNow();
            var current = await ReadStackAsync(connection, transaction, stack, ct) ?? StackState.Initial(stack);
            var next = change(current, now);
            if (next?.Stack != stack)
            {
                throw new InvalidOperationException($"the change to stack '{stack}' returned the state of '{next?.Stack}'");
            }
            next = next with { UpdatedAt = now };
            await WriteStackAsync(connection, transaction, next, ct);
            Wrote(stack, next);
            await transaction.CommitAsync(ct);
            return next;
        }, cancellationToken);
    }

    public Task<bool> RemoveStackAsync(string stack, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stack);
        return _database.RunAsync($"remove stack '{stack}'", async (connection, ct) =>
        {
            await using var command = Command(connection, null, "DELETE FROM stacks WHERE name = $name", ("$name", stack));
            Wrote(stack, null);
            return await command.ExecuteNonQueryAsync(ct) > 0;
        }, cancellationToken);
    }

    public Task<RepoState?> GetRepoAsync(string repo, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repo);
        return _database.ReadAsync($"read repo '{repo}'", async (connection, ct) =>
        {
            await using var command = Command(connection, null, $"SELECT {RepoColumns} FROM repos WHERE repo = $repo", ("$repo", repo));
            return (await ReadAllAsync(command, ReadRepo, ct)).SingleOrDefault();
        }, cancellationToken);
    }

    public Task<IReadOnlyList<RepoState>> ListReposAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync("list repos", async (connection, ct) =>
        {
            await using var command = Command(connection, null, $"SELECT {RepoColumns} FROM repos ORDER BY repo");
            return await ReadAllAsync(command, ReadRepo, ct);
        }, cancellationToken);

    public Task<RepoState> RecordFetchAsync(string repo, string headCommit, CancellationToken cancellationToken) =>
        RecordRepoAsync($"record fetch of repo '{repo}'", repo, headCommit, fetched: true, cancellationToken);

    public Task<RepoState> RecordHeadAsync(string repo, string headCommit, CancellationToken cancellationToken) =>
        RecordRepoAsync($"record head of repo '{repo}'", repo, headCommit, fetched: false, cancellationToken);

    private Task<RepoState> RecordRepoAsync(string operation, string repo, string headCommit, bool fetched, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repo);
        ArgumentException.ThrowIfNullOrWhiteSpace(headCommit);
        var fetchUpdate = fetched ? ", last_fetch_at = excluded.last_fetch_at" : "";
        return _database.RunAsync(operation, async (connection, ct) =>
        {
            var now = StateText.Time(_time.GetUtcNow());
            await using var command = Command(connection, null,
                $"""
                INSERT INTO repos (repo, head_commit, head_seen_at, last_fetch_at) VALUES ($repo, $head, $now, $fetched)
                ON CONFLICT (repo) DO UPDATE SET head_commit = excluded.head_commit, head_seen_at = excluded.head_seen_at{fetchUpdate}
                RETURNING {RepoColumns}
                """,
                ("$repo", repo), ("$head", headCommit), ("$now", now), ("$fetched", fetched ? now : null));
            return (await ReadAllAsync(command, ReadRepo, ct)).Single();
        }, cancellationToken);
    }

    public Task<Deployment> StartDeploymentAsync(DeploymentStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentException.ThrowIfNullOrWhiteSpace(start.Stack);
        ArgumentException.ThrowIfNullOrWhiteSpace(start.Commit);
        return _database.RunAsync($"start deployment of stack '{start.Stack}' at {start.Commit}", async (connection, ct) =>
        {
            await using var command = Command(connection, null,
                $"""
                INSERT INTO deployments (stack, commit_sha, author, subject, trigger, started_at)
                VALUES ($stack, $commit, $author, $subject, $trigger, $started)
                RETURNING {DeploymentColumns}
                """,
                ("$stack", start.Stack), ("$commit", start.Commit), ("$author", start.Author), ("$subject", start.Subject),
                ("$trigger", StateText.Trigger(start.Trigger)), ("$started", StateText.Time(_time.GetUtcNow())));
            return (await ReadAllAsync(command, ReadDeployment, ct)).Single();
        }, cancellationToken);
    }

    public Task<Deployment> FinishDeploymentAsync(long id, DeploymentFinish finish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(finish);
        ArgumentOutOfRangeException.ThrowIfNegative(finish.ActionCount);
        return _database.RunAsync($"finish deployment {id}", async (connection, ct) =>
        {
            await using var transaction = StateDatabase.BeginWrite(connection);
            var running = await ReadDeploymentAsync(connection, transaction, id, ct)
                ?? throw new InvalidOperationException($"there is no deployment {id}");
            if (running.Result is { } result)
            {
                throw new InvalidOperationException($"deployment {id} has already finished ({StateText.Result(result)})");
            }
            await using var command = Command(connection, transaction,
                $"""
                UPDATE deployments SET finished_at = $finished, result = $result, action_count = $actions, error = $error
                WHERE id = $id
                RETURNING {DeploymentColumns}
                """,
                ("$id", id), ("$finished", StateText.Time(_time.GetUtcNow())), ("$result", StateText.Result(finish.Result)),
                ("$actions", finish.ActionCount), ("$error", finish.Error));
            var finished = (await ReadAllAsync(command, ReadDeployment, ct)).Single();
            await transaction.CommitAsync(ct);
            return finished;
        }, cancellationToken);
    }

    public Task<Deployment?> GetDeploymentAsync(long id, CancellationToken cancellationToken) =>
        _database.ReadAsync($"read deployment {id}",
            (connection, ct) => ReadDeploymentAsync(connection, null, id, ct), cancellationToken);

    public Task<DeploymentPage> ListDeploymentsAsync(DeploymentQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, DeploymentQuery.MaxLimit);
        var conditions = new List<string>();
        if (query.Stack is not null)
        {
            conditions.Add("stack = $stack");
        }
        if (query.BeforeId is not null)
        {
            conditions.Add("id < $before");
        }
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var what = query.Stack is null ? "list deployments" : $"list deployments of stack '{query.Stack}'";
        return _database.ReadAsync(what, async (connection, ct) =>
        {
            // One more than asked for tells whether another page follows.
            await using var command = Command(connection, null,
                $"SELECT {DeploymentColumns} FROM deployments {where} ORDER BY id DESC LIMIT $limit",
                ("$stack", query.Stack), ("$before", query.BeforeId), ("$limit", query.Limit + 1));
            var rows = await ReadAllAsync(command, ReadDeployment, ct);
            return rows.Count > query.Limit
                ? new DeploymentPage(rows.Take(query.Limit).ToArray(), rows[query.Limit - 1].Id)
                : new DeploymentPage(rows, null);
        }, cancellationToken);
    }

    public Task<int> FailUnfinishedDeploymentsAsync(string error, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return _database.RunAsync("fail unfinished deployments", async (connection, ct) =>
        {
            await using var command = Command(connection, null,
                "UPDATE deployments SET finished_at = $now, result = $failed, error = $error WHERE result IS NULL",
                ("$now", StateText.Time(_time.GetUtcNow())), ("$failed", StateText.Result(DeploymentResult.Failed)), ("$error", error));
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    public Task<int> PruneDeploymentsAsync(int keepPerStack, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keepPerStack);
        return _database.RunAsync("prune deployments", async (connection, ct) =>
        {
            await using var command = Command(connection, null,
                """
                DELETE FROM deployments WHERE id IN (
                    SELECT id FROM (
                        SELECT id, row_number() OVER (PARTITION BY stack ORDER BY id DESC) AS newness FROM deployments)
                    WHERE newness > $keep)
                """,
                ("$keep", keepPerStack));
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }

    /// <summary>Closes the pooled connections to the database.</summary>
    public void Dispose() => _database.Dispose();

    /// <summary>Closes idle pooled connections, so no handle to the file stays open.</summary>
    internal void ReleaseConnections() => _database.ReleaseConnections();

    private static async Task<StackState?> ReadStackAsync(SqliteConnection connection, SqliteTransaction? transaction, string stack, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {StackColumns} FROM stacks WHERE name = $name", ("$name", stack));
        return (await ReadAllAsync(command, ReadStack, cancellationToken)).SingleOrDefault();
    }

    private static async Task WriteStackAsync(SqliteConnection connection, SqliteTransaction transaction, StackState state, CancellationToken cancellationToken)
    {
        var error = state.LastError;
        await using var command = Command(connection, transaction,
            $"""
            INSERT INTO stacks ({StackColumns})
            VALUES ($name, $attempted, $applied, $good, $images, $status, $suspended, $result, $error_message, $error_commit,
                    $error_file, $error_line, $success_at, $drift, $failed, $pulled, $history, $pulled_images, $findings, $updated)
            ON CONFLICT (name) DO UPDATE SET
                last_attempted_commit = excluded.last_attempted_commit,
                last_applied_commit = excluded.last_applied_commit,
                last_good_commit = excluded.last_good_commit,
                last_good_images = excluded.last_good_images,
                sync_status = excluded.sync_status,
                suspended = excluded.suspended,
                last_result = excluded.last_result,
                last_error_message = excluded.last_error_message,
                last_error_commit = excluded.last_error_commit,
                last_error_file = excluded.last_error_file,
                last_error_line = excluded.last_error_line,
                last_success_at = excluded.last_success_at,
                drift_summary = excluded.drift_summary,
                failed_commits = excluded.failed_commits,
                last_pulled = excluded.last_pulled,
                good_history = excluded.good_history,
                pulled_images = excluded.pulled_images,
                policy_findings = excluded.policy_findings,
                updated_at = excluded.updated_at
            """,
            ("$name", state.Stack),
            ("$attempted", state.LastAttemptedCommit),
            ("$applied", state.LastAppliedCommit),
            ("$good", state.LastGoodCommit),
            ("$images", JsonSerializer.Serialize(new Dictionary<string, string>(state.LastGoodImages), StateJson.Default.DictionaryStringString)),
            ("$status", StateText.Status(state.SyncStatus)),
            ("$suspended", state.Suspended),
            ("$result", state.LastResult is { } result ? StateText.Result(result) : null),
            ("$error_message", error?.Message),
            ("$error_commit", error?.Commit),
            ("$error_file", error?.File),
            ("$error_line", error?.Line),
            ("$success_at", state.LastSuccessAt is { } successAt ? StateText.Time(successAt) : null),
            ("$drift", state.DriftSummary),
            ("$failed", JsonSerializer.Serialize(state.FailedCommits.ToArray(), StateJson.Default.StringArray)),
            ("$pulled", JsonSerializer.Serialize(state.LastPulled.ToDictionary(p => p.Key, p => StateText.Time(p.Value), StringComparer.Ordinal),
                StateJson.Default.DictionaryStringString)),
            ("$history", JsonSerializer.Serialize(state.GoodHistory.Select(g => new GoodCommitJson(g.Commit, new Dictionary<string, string>(g.Images))).ToArray(),
                StateJson.Default.GoodCommitJsonArray)),
            ("$pulled_images", JsonSerializer.Serialize(state.PulledImages.ToDictionary(p => p.Key, p => StateText.Time(p.Value), StringComparer.Ordinal),
                StateJson.Default.DictionaryStringString)),
            ("$findings", JsonSerializer.Serialize(state.PolicyFindings.ToArray(), StateJson.Default.StringArray)),
            ("$updated", StateText.Time(state.UpdatedAt ?? throw new InvalidOperationException("UpdatedAt is set before writing"))));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static StackState ReadStack(SqliteDataReader row)
    {
        var images = JsonSerializer.Deserialize(Text(row, "last_good_images")!, StateJson.Default.DictionaryStringString) ?? [];
        var failed = JsonSerializer.Deserialize(Text(row, "failed_commits")!, StateJson.Default.StringArray) ?? [];
        var pulled = JsonSerializer.Deserialize(Text(row, "last_pulled")!, StateJson.Default.DictionaryStringString) ?? [];
        var history = JsonSerializer.Deserialize(Text(row, "good_history")!, StateJson.Default.GoodCommitJsonArray) ?? [];
        var pulledImages = JsonSerializer.Deserialize(Text(row, "pulled_images")!, StateJson.Default.DictionaryStringString) ?? [];
        var findings = JsonSerializer.Deserialize(Text(row, "policy_findings")!, StateJson.Default.StringArray) ?? [];
        var errorMessage = Text(row, "last_error_message");
        return new StackState
        {
            Stack = Text(row, "name")!,
            LastAttemptedCommit = Text(row, "last_attempted_commit"),
            LastAppliedCommit = Text(row, "last_applied_commit"),
            LastGoodCommit = Text(row, "last_good_commit"),
            LastGoodImages = images.ToImmutableSortedDictionary(StringComparer.Ordinal),
            SyncStatus = StateText.ParseStatus(Text(row, "sync_status")!),
            Suspended = row.GetBoolean(row.GetOrdinal("suspended")),
            LastResult = Text(row, "last_result") is { } result ? StateText.ParseResult(result) : null,
            LastError = errorMessage is null ? null : new StackError(errorMessage)
            {
                Commit = Text(row, "last_error_commit"),
                File = Text(row, "last_error_file"),
                Line = Integer(row, "last_error_line") is { } line ? (int)line : null,
            },
            LastSuccessAt = Time(row, "last_success_at"),
            DriftSummary = Text(row, "drift_summary"),
            FailedCommits = failed.ToImmutableSortedSet(StringComparer.Ordinal),
            LastPulled = pulled.ToImmutableSortedDictionary(p => p.Key, p => StateText.ParseTime(p.Value), StringComparer.Ordinal),
            GoodHistory = [.. history.Select(g => new GoodCommit(g.Commit, g.Images.ToImmutableSortedDictionary(StringComparer.Ordinal)))],
            PulledImages = pulledImages.ToImmutableSortedDictionary(p => p.Key, p => StateText.ParseTime(p.Value), StringComparer.Ordinal),
            PolicyFindings = [.. findings],
            UpdatedAt = Time(row, "updated_at"),
        };
    }

    private static RepoState ReadRepo(SqliteDataReader row) => new()
    {
        Repo = Text(row, "repo")!,
        HeadCommit = Text(row, "head_commit"),
        HeadSeenAt = Time(row, "head_seen_at"),
        LastFetchAt = Time(row, "last_fetch_at"),
    };

    private static async Task<Deployment?> ReadDeploymentAsync(SqliteConnection connection, SqliteTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {DeploymentColumns} FROM deployments WHERE id = $id", ("$id", id));
        return (await ReadAllAsync(command, ReadDeployment, cancellationToken)).SingleOrDefault();
    }

    private static Deployment ReadDeployment(SqliteDataReader row) => new()
    {
        Id = Integer(row, "id")!.Value,
        Stack = Text(row, "stack")!,
        Commit = Text(row, "commit_sha")!,
        Author = Text(row, "author"),
        Subject = Text(row, "subject"),
        Trigger = StateText.ParseTrigger(Text(row, "trigger")!),
        StartedAt = Time(row, "started_at")!.Value,
        FinishedAt = Time(row, "finished_at"),
        Result = Text(row, "result") is { } result ? StateText.ParseResult(result) : null,
        ActionCount = (int)Integer(row, "action_count")!.Value,
        Error = Text(row, "error"),
    };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(SqliteCommand command, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private static string? Text(SqliteDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
    }

    private static long? Integer(SqliteDataReader row, string column)
    {
        var ordinal = row.GetOrdinal(column);
        return row.IsDBNull(ordinal) ? null : row.GetInt64(ordinal);
    }

    private static DateTimeOffset? Time(SqliteDataReader row, string column) =>
        Text(row, column) is { } text ? StateText.ParseTime(text) : null;
}
