namespace Reconciler.State.Tests;

/// <summary>
/// This test assembly's entry point, used by <see cref="StateDirectoryLockTests"/> to hold a
/// lock from a second process: <c>hold-lock DIR</c> takes the lock, prints <c>locked PID</c>, and
/// keeps it until standard input closes or the process is killed.
/// </summary>
public static class LockHolderProgram
{
    public static int Main(string[] args)
    {
        if (args is not ["hold-lock", var directory])
        {
            Console.Error.WriteLine("usage: hold-lock STATE_DIR");
            return 2;
        }
        using var held = StateDirectoryLock.Acquire(directory);
        Console.WriteLine($"locked {Environment.ProcessId}");
        Console.Out.Flush();
        Console.In.ReadToEnd();
        return 0;
    }
}
