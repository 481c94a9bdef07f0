namespace Reconciler.State.Tests;

/// <summary>A fresh state directory under the system temp folder, removed afterwards.</summary>
internal sealed class TempStateDirectory : IDisposable
{
    public TempStateDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "reconciler-state-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string DatabasePath => System.IO.Path.Combine(Path, SqliteStateStoreOptions.DatabaseFileName);

    public SqliteStateStore OpenStore(TimeProvider? time = null, Action<CorruptDatabaseRecovery>? onRecovered = null) =>
        new(new SqliteStateStoreOptions { StateDirectory = Path, OnCorruptDatabaseRecovered = onRecovered }, time ?? new ManualTimeProvider());

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up; a test's own assertion is what matters.
        }
    }
}
