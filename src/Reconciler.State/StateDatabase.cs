using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reconciler.State;

/// <summary>
/// The database file under the store: connections, creating and upgrading the schema, moving a
/// damaged file aside, and turning SQLite's and the operating system's refusals into
/// <see cref="StateStoreUnavailableException"/>. Knows nothing of stacks or deployments.
/// </summary>
/// <remarks>
/// One connection per operation, taken from Microsoft.Data.Sqlite's pool (a few idle
/// connections per database). Write-ahead logging lets readers (the status command, other
/// loops) go on while one writer writes; writers queue on SQLite's lock for up to the busy
/// timeout.
/// </remarks>
internal sealed partial class StateDatabase : IDisposable
{
    // SQLite primary result codes, from sqlite3.h.
    private const int SqlitePerm = 3;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoErr = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    // errno values .NET puts in IOException.HResult on Linux.
    private const int ErrnoNoSpace = 28;
    private const int ErrnoReadOnlyFileSystem = 30;

    private readonly string _directory;
    private readonly string _connectionString;
    private readonly string _immutableConnectionString;
    private readonly TimeSpan _busyTimeout;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<SchemaMigration> _migrations;
    private readonly Action<CorruptDatabaseRecovery>? _onRecovered;

    // Guards opening and moving aside; operations themselves run concurrently.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile StateStoreOpened? _opened;
    // Counts files moved aside, so that of several operations that hit the same damaged file
    // only the first moves it.
    private int _generation;

    public StateDatabase(SqliteStateStoreOptions options, TimeProvider time, IReadOnlyList<SchemaMigration> migrations)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.StateDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BusyTimeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _directory = System.IO.Path.GetFullPath(options.StateDirectory);
        Path = System.IO.Path.Combine(_directory, SqliteStateStoreOptions.DatabaseFileName);
        _busyTimeout = options.BusyTimeout;
        _time = time;
        _migrations = SchemaMigrations.Validate(migrations);
        _onRecovered = options.OnCorruptDatabaseRecovered;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            // Microsoft.Data.Sqlite also retries a busy database itself, for as long as this.
            DefaultTimeout = (int)Math.Ceiling(_busyTimeout.TotalSeconds),
        }.ToString();
        // A URI, for SQLite's immutable flag: no locks, no write-ahead-log index to create.
        _immutableConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = new Uri(Path).AbsoluteUri + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
    }

    public string Path { get; }

    private int LatestVersion => _migrations[^1].Version;

    public Task<StateStoreOpened> OpenAsync(CancellationToken cancellationToken) => OpenAsync("open", cancellationToken);

    private async Task<StateStoreOpened> OpenAsync(string operation, CancellationToken cancellationToken)
    {
        if (_opened is { } opened)
        {
            return opened;
        }

        CorruptDatabaseRecovery? recovery = null;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_opened is { } openedMeanwhile)
            {
                return openedMeanwhile;
            }
            PrivateFiles.EnsureDirectory(_directory);
            int previousVersion;
            try
            {
                previousVersion = await MigrateAsync(operation, cancellationToken);
            }
            catch (Exception ex) when (CorruptionReason(ex) is { } reason)
            {
                recovery = MoveAside(reason);
                previousVersion = await MigrateAsync(operation, cancellationToken);
            }
            opened = new StateStoreOpened(Path, LatestVersion, previousVersion, recovery);
            _opened = opened;
        }
        catch (Exception ex) when (IsEnvironmental(ex))
        {
            ReleaseConnections();
            throw Unavailable(operation, ex);
        }
        finally
        {
            _gate.Release();
            // Also when the fresh database then failed: the file has been moved all the same.
            if (recovery is not null)
            {
                _onRecovered?.Invoke(recovery);
            }
        }
        return opened;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on an open connection. A damaged database found on the way is
    /// moved aside and the work runs once more on a fresh one; any other failure of the file or
    /// the disk becomes <see cref="StateStoreUnavailableException"/> naming <paramref name="operation"/>.
    /// </summary>
    public async Task<T> RunAsync<T>(string operation, Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await OpenAsync(operation, cancellationToken);
            var generation = Volatile.Read(ref _generation);
            try
            {
                await using var connection = await ConnectAsync(cancellationToken);
                return await work(connection, cancellationToken);
            }
            catch (Exception ex) when (attempt == 1 && CorruptionReason(ex) is { } reason)
            {
                await RecoverAsync(generation, reason, operation, cancellationToken);
            }
            catch (Exception ex) when (IsEnvironmental(ex))
            {
                // A connection opened while the disk refused writes stays read-only for good;
                // pooled, it would fail every later write even once the disk is writable again.
                // So the pool goes, and a write refused as read-only gets one more try on a fresh one.
                ReleaseConnections();
                if (attempt == 1 && ex is SqliteException { SqliteErrorCode: SqliteReadOnly })
                {
                    continue;
                }
                throw Unavailable(operation, ex);
            }
        }
    }

    /// <summary>
    /// <see cref="RunAsync{T}"/> for work that only reads. When the database cannot be opened at
    /// all because the state directory is read-only (in write-ahead-log mode SQLite cannot even read
    /// without creating its index file next to the database), it is read as an immutable file
    /// instead: a daemon started on a read-only state_dir still knows its stacks' last good and
    /// failed commits. Commits still in a log left by a killed process are not seen that way.
    /// </summary>
    public async Task<T> ReadAsync<T>(string operation, Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await RunAsync(operation, work, cancellationToken);
        }
        catch (StateStoreUnavailableException refused)
            when (refused.Failure is StateStoreFailure.ReadOnly or StateStoreFailure.CannotOpen && File.Exists(Path))
        {
            var (read, value) = await TryReadImmutableAsync(work, cancellationToken);
            if (!read)
            {
                throw;
            }
            return value!;
        }
    }

    private async Task<(bool Read, T? Value)> TryReadImmutableAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new SqliteConnection(_immutableConnectionString);
            await connection.OpenAsync(cancellationToken);
            // An older schema would need the upgrade it cannot get here.
            if (await ReadVersionAsync(connection, null, cancellationToken) != LatestVersion)
            {
                return (false, default);
            }
            return (true, await work(connection, cancellationToken));
        }
        catch (Exception ex) when (IsEnvironmental(ex))
        {
            return (false, default);
        }
    }

    /// <summary>A write transaction that holds SQLite's write lock from its start, so a read-then-write inside it cannot be overtaken.</summary>
    public static SqliteTransaction BeginWrite(SqliteConnection connection) =>
        connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);

    /// <summary>Closes the idle pooled connections, so no file handle stays open (before moving the file, in tests, on dispose).</summary>
    public void ReleaseConnections()
    {
        CloseProbe();
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public void Dispose() => ReleaseConnections();

    private async Task<SqliteConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragmas = connection.CreateCommand();
            // busy_timeout: wait for another writer instead of failing at once.
            // synchronous = NORMAL: with write-ahead logging, a power cut loses at most the last
            // commits, never the database's consistency, and commits need no fsync each.
            pragmas.CommandText = FormattableString.Invariant(
                $"PRAGMA busy_timeout = {(long)_busyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;");
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <returns>The schema version found before upgrading.</returns>
    private async Task<int> MigrateAsync(string operation, CancellationToken cancellationToken)
    {
        // The database is created 0600 before SQLite opens it, whatever the umask, and SQLite gives
        // its -wal, -shm and -journal files the database's mode; files left wider by an older
        // version are narrowed.
        PrivateFiles.CreateEmpty(Path);
        foreach (var suffix in (ReadOnlySpan<string>)["", "-wal", "-shm", "-journal"])
        {
            PrivateFiles.Restrict(Path + suffix);
        }
        await using var connection = await ConnectAsync(cancellationToken);

        // Before anything writes: a damaged file is moved aside whole, not written into.
        var problems = await ReadColumnAsync(connection, "PRAGMA quick_check", cancellationToken);
        if (problems is not ["ok"])
        {
            throw new DamagedDatabaseException("integrity check: " + string.Join("; ", problems.Take(3)));
        }

        var found = await ReadVersionAsync(connection, null, cancellationToken);
        ThrowIfNewer(found, operation);
        if (found == LatestVersion)
        {
            return found;
        }

        // Stored in the file: every later connection uses the write-ahead log. Cannot change
        // inside a transaction.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken);

        await using var transaction = BeginWrite(connection);
        // Again under the write lock: another process may have upgraded meanwhile.
        var current = await ReadVersionAsync(connection, transaction, cancellationToken);
        ThrowIfNewer(current, operation);
        if (current == 0)
        {
            await ExecuteAsync(connection, transaction, "CREATE TABLE schema_version (version INTEGER NOT NULL)", cancellationToken);
        }
        foreach (var migration in _migrations.Skip(current))
        {
            foreach (var statement in migration.Statements)
            {
                await ExecuteAsync(connection, transaction, statement, cancellationToken);
            }
        }
        await ExecuteAsync(connection, transaction, "DELETE FROM schema_version", cancellationToken);
        await ExecuteAsync(connection, transaction,
            FormattableString.Invariant($"INSERT INTO schema_version (version) VALUES ({LatestVersion})"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    private void ThrowIfNewer(int version, string operation)
    {
        if (version > LatestVersion)
        {
            // Not damage: never move it aside. A newer daemon's data must survive a downgrade.
            throw new StateStoreUnavailableException(Path, operation, StateStoreFailure.NewerSchema,
                $"the database has schema version {version}, written by a newer reconciler; this one knows versions up to {LatestVersion} and leaves it alone");
        }
    }

    private static async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }
        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT max(version) FROM schema_version";
        return await read.ExecuteScalarAsync(cancellationToken) is long version ? (int)version : 0;
    }

    private static async Task<List<string>> ReadColumnAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RecoverAsync(int generation, string reason, string operation, CancellationToken cancellationToken)
    {
        CorruptDatabaseRecovery recovery;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_generation != generation)
            {
                return;
            }
            recovery = MoveAside(reason);
            _opened = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreUnavailableException(Path, operation, StateStoreFailure.Corrupt,
                $"the database is damaged ({reason}) and could not be moved aside: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
        _onRecovered?.Invoke(recovery);
    }

    private CorruptDatabaseRecovery MoveAside(string reason)
    {
        // Idle pooled connections still have the damaged file open.
        ReleaseConnections();
        var at = _time.GetUtcNow();
        var stamp = at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{Path}.corrupt-{stamp}";
        for (var n = 2; File.Exists(target); n++)
        {
            target = FormattableString.Invariant($"{Path}.corrupt-{stamp}-{n}");
        }
        File.Move(Path, target);
        // The write-ahead log belongs to the damaged file; left in place, SQLite would replay it
        // into the new one. The -shm file is only an index of the log.
        MoveIfExists(Path + "-wal", target + "-wal");
        MoveIfExists(Path + "-journal", target + "-journal");
        File.Delete(Path + "-shm");
        Interlocked.Increment(ref _generation);
        return new CorruptDatabaseRecovery(Path, target, reason, at);
    }

    private static void MoveIfExists(string from, string to)
    {
        if (File.Exists(from))
        {
            File.Move(from, to);
        }
    }

    private static string? CorruptionReason(Exception ex) => ex switch
    {
        DamagedDatabaseException damaged => damaged.Message,
        SqliteException { SqliteErrorCode: SqliteCorrupt or SqliteNotADatabase } sqlite => sqlite.Message,
        _ => null,
    };

    private static bool IsEnvironmental(Exception ex) =>
        ex is SqliteException or IOException or UnauthorizedAccessException or DamagedDatabaseException;

    private StateStoreUnavailableException Unavailable(string operation, Exception ex)
    {
        var (failure, what) = ex switch
        {
            SqliteException sqlite => Classify(sqlite),
            DamagedDatabaseException => (StateStoreFailure.Corrupt, "the new database is damaged too"),
            UnauthorizedAccessException => (StateStoreFailure.ReadOnly, "permission denied"),
            IOException { HResult: ErrnoReadOnlyFileSystem } => (StateStoreFailure.ReadOnly, "read-only file system"),
            IOException { HResult: ErrnoNoSpace } => (StateStoreFailure.DiskFull, "no space left on the device"),
            _ => (StateStoreFailure.IoError, "I/O error"),
        };
        // SQLite says only "unable to open database file"; creating a file says why.
        if (failure is StateStoreFailure.CannotOpen or StateStoreFailure.ReadOnly or StateStoreFailure.IoError
            && ProbeDirectory() is var (probedFailure, probedWhat))
        {
            (failure, what) = (probedFailure, probedWhat);
        }
        var detail = ex is SqliteException { SqliteExtendedErrorCode: var extended } detailed && extended != detailed.SqliteErrorCode
            ? FormattableString.Invariant($"{ex.Message.TrimEnd('.')}, extended code {extended}")
            : ex.Message.TrimEnd('.');
        return new StateStoreUnavailableException(Path, operation, failure, $"{what} ({detail})", ex);
    }

    private (StateStoreFailure, string) Classify(SqliteException ex) => ex.SqliteErrorCode switch
    {
        SqliteReadOnly or SqlitePerm => (StateStoreFailure.ReadOnly, "the state directory or database is read-only"),
        SqliteFull => (StateStoreFailure.DiskFull, "no space left on the device"),
        SqliteCantOpen => (StateStoreFailure.CannotOpen, "cannot open or create the database file"),
        SqliteBusy or SqliteLocked => (StateStoreFailure.Busy,
            FormattableString.Invariant($"another writer held the database locked for more than {_busyTimeout.TotalSeconds:0.#}s")),
        SqliteIoErr => (StateStoreFailure.IoError, "I/O error"),
        SqliteCorrupt or SqliteNotADatabase => (StateStoreFailure.Corrupt, "the database is damaged"),
        _ => (StateStoreFailure.Other, "SQLite refused"),
    };

    /// <summary>Why a file cannot be created in the state directory, or null if it can.</summary>
    private (StateStoreFailure, string)? ProbeDirectory()
    {
        var probe = System.IO.Path.Combine(_directory, $".write-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return (StateStoreFailure.CannotOpen, $"the state directory {_directory} does not exist and cannot be created");
        }
        catch (UnauthorizedAccessException)
        {
            return (StateStoreFailure.ReadOnly, $"the state directory {_directory} is not writable (permission denied or immutable)");
        }
        catch (IOException ex) when (ex.HResult == ErrnoReadOnlyFileSystem)
        {
            return (StateStoreFailure.ReadOnly, $"the state directory {_directory} is on a read-only file system");
        }
        catch (IOException ex) when (ex.HResult == ErrnoNoSpace)
        {
            return (StateStoreFailure.DiskFull, $"no space left on the device holding {_directory}");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The integrity check found damage that SQLite's own calls did not report.</summary>
    private sealed class DamagedDatabaseException(string message) : Exception(message);
}
