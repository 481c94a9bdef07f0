using System.Diagnostics;

namespace Reconciler.State.Tests;

public sealed class StateDirectoryLockTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string LockPath => Path.Combine(_directory.Path, StateDirectoryLock.FileName);

    [Fact]
    public void The_holder_writes_its_pid_into_the_lock_file()
    {
        using var held = StateDirectoryLock.Acquire(_directory.Path);

        Assert.Equal(LockPath, held.LockPath);
        Assert.Equal($"{Environment.ProcessId}\n", ReadIgnoringLocks(LockPath));
    }

    [Fact]
    public void A_second_acquire_in_the_same_process_is_refused_naming_the_holder()
    {
        using var held = StateDirectoryLock.Acquire(_directory.Path);

        var refused = Assert.Throws<StateDirectoryLockedException>(() => StateDirectoryLock.Acquire(_directory.Path));

        Assert.Equal(Environment.ProcessId, refused.HolderProcessId);
        Assert.Equal(
            $"state directory {_directory.Path} is in use by another reconciler (pid {Environment.ProcessId}, lock file {LockPath}); only one daemon may act on a state directory",
            refused.Message);
    }

    [Fact]
    public void The_lock_is_an_operating_system_lock_that_flock_sees()
    {
        using var held = StateDirectoryLock.Acquire(_directory.Path);

        using var flock = Process.Start(new ProcessStartInfo("flock", ["--nonblock", "--exclusive", LockPath, "true"]))!;
        flock.WaitForExit();

        Assert.Equal(1, flock.ExitCode);
    }

    [Fact]
    public void A_released_lock_can_be_taken_again_and_its_file_stays()
    {
        StateDirectoryLock.Acquire(_directory.Path).Dispose();

        using var again = StateDirectoryLock.Acquire(_directory.Path);

        Assert.True(File.Exists(LockPath));
    }

    [Fact]
    public async Task A_lock_held_by_another_process_is_refused_with_its_pid_and_freed_when_that_process_is_killed()
    {
        using var holder = StartLockHolder(_directory.Path);
        var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal($"locked {holder.Id}", line);

        var refused = Assert.Throws<StateDirectoryLockedException>(() => StateDirectoryLock.Acquire(_directory.Path));
        Assert.Equal(holder.Id, refused.HolderProcessId);

        holder.Kill(); // SIGKILL: no cleanup runs in the holder; the kernel drops its lock.
        await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        using var taken = StateDirectoryLock.Acquire(_directory.Path);
        Assert.Equal($"{Environment.ProcessId}\n", ReadIgnoringLocks(LockPath));
    }

    [Fact]
    public async Task Another_process_cannot_take_a_lock_this_one_holds()
    {
        using var held = StateDirectoryLock.Acquire(_directory.Path);

        using var second = StartLockHolder(_directory.Path);
        var stderr = await second.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await second.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"is in use by another reconciler (pid {Environment.ProcessId}", stderr);
    }

    /// <summary>Runs this test assembly's <see cref="LockHolderProgram"/> in a new process.</summary>
    private static Process StartLockHolder(string directory)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "exec", typeof(LockHolderProgram).Assembly.Location, "hold-lock", directory })
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the lock holder");
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }
        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }

    // cat ignores advisory locks, as a human reading the file would; a FileStream would be refused.
    private static string ReadIgnoringLocks(string path)
    {
        using var cat = Process.Start(new ProcessStartInfo("cat", [path]) { RedirectStandardOutput = true })!;
        var text = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return text;
    }
}
