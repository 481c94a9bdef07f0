using Microsoft.Data.Sqlite;

namespace Reconciler.State;

/// <summary>
/// One connection kept open for a few tiny statements asked very often, such as "has this stack's
/// row changed since I read it": the daemon asks that at the start of every pass of every stack
/// (every second with <c>drift_interval: 1s</c>), and on a pooled connection each question paid an
/// open, two pragmas, a prepare and a parse. Here it is one step of a statement prepared once.
/// </summary>
internal sealed partial class StateDatabase
{
    private readonly Lock _probeGate = new();
    private SqliteConnection? _probeConnection;
    private readonly Dictionary<string, SqliteCommand> _probes = new(StringComparer.Ordinal);

    /// <summary>
    /// The first column of the first row of <paramref name="sql"/> (one parameter), as text; null when
    /// there is no row. False when the question could not be asked (the database is not open yet,
    /// busy, or failing): the caller then does the real read, which knows how to report and recover.
    /// </summary>
    public bool TryProbe(string sql, string parameter, string value, out string? result)
    {
        result = null;
        if (_opened is null) return false;
        lock (_probeGate)
        {
            try
            {
                if (_probeConnection is null)
                {
                    // Not pooled: ClearPool must not hand it out, and CloseProbe closes it for good.
                    _probeConnection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
                    _probeConnection.Open();
                }
                if (!_probes.TryGetValue(sql, out var command))
                {
                    command = _probeConnection.CreateCommand();
                    command.CommandText = sql;
                    command.Parameters.Add(new SqliteParameter(parameter, value));
                    command.Prepare();
                    _probes[sql] = command;
                }
                command.Parameters[parameter].Value = value;
                result = command.ExecuteScalar() switch
                {
                    null or DBNull => null,
                    var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
                };
                return true;
            }
            catch (Exception ex) when (ex is SqliteException or InvalidOperationException or IOException)
            {
                CloseProbeLocked();
                return false;
            }
        }
    }

    private void CloseProbe()
    {
        lock (_probeGate) CloseProbeLocked();
    }

    private void CloseProbeLocked()
    {
        foreach (var command in _probes.Values) command.Dispose();
        _probes.Clear();
        _probeConnection?.Dispose();
        _probeConnection = null;
    }
}
