// The largest inputs the default load limits allow, and a few hostile ones just past them.
// Each case runs in a fresh process so its peak working set is its own.
//
//   dotnet run -c Release --project bench/limits [-- --case NAME]
//
// Per case: wall time of ComposeLoader.Load (first call, JIT included, and the best of 3 more
// runs), the least process CPU time of those 3, bytes allocated by the best run, and the process's
// peak working set (which includes the generated input itself, at most a few MiB except for the
// 50 MiB file).

using System.Diagnostics;
using System.Globalization;
using Reconciler.Bench.Limits;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var only = args.SkipWhile(a => a != "--case").Skip(1).FirstOrDefault();
if (only is not null) return RunCase(only);

var limits = LoadLimits.Default;
Console.WriteLine($"Default limits: max_file_size {limits.MaxFileBytes / 1024 / 1024} MiB, max_files {limits.MaxFiles}, max_depth {limits.MaxDepth}, " +
    $"max_nodes {limits.MaxNodes:N0}, max_value_size {limits.MaxValueBytes / 1024 / 1024} MiB, max_expanded_size {limits.MaxExpandedBytes / 1024 / 1024} MiB");
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.Now:yyyy-MM-dd HH:mm}");
Console.WriteLine();
Console.WriteLine($"Load average before: {LoadAverage()}");
Console.WriteLine();
Console.WriteLine($"| {"case",-24} | {"outcome",-8} | {"first load",10} | {"best load",9} | {"best CPU",9} | {"allocated",9} | {"peak RSS",8} | input |");
Console.WriteLine($"|{new string('-', 26)}|{new string('-', 10)}|{new string('-', 12)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 10)}|-------|");
var failed = false;
foreach (var name in Inputs.Names)
{
    var self = Environment.ProcessPath!;
    var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
    // Under `dotnet run` the process is the dotnet host running our dll.
    if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(Inputs).Assembly.Location);
    start.ArgumentList.Add("--case");
    start.ArgumentList.Add(name);
    using var child = Process.Start(start)!;
    var output = child.StandardOutput.ReadToEnd();
    var error = child.StandardError.ReadToEnd();
    child.WaitForExit();
    Console.Write(output);
    if (child.ExitCode != 0)
    {
        failed = true;
        Console.WriteLine($"| {name,-24} | FAILED (exit {child.ExitCode}) {error.Split('\n').FirstOrDefault()}");
    }
}
Console.WriteLine();
Console.WriteLine($"Load average after: {LoadAverage()}");
return failed ? 1 : 0;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static int RunCase(string name)
{
    var input = Inputs.Build(name);
    var files = new MemoryFiles(input.Files);
    var options = new LoadOptions { WorkingDirectory = "/p", HomeDirectory = "/root" };
    var inputBytes = input.Files.Values.Sum(b => (long)b.Length);
    input = input with { Files = [] };
    GC.Collect();

    var sw = Stopwatch.StartNew();
    var result = ComposeLoader.Load(options, files);
    var first = sw.Elapsed.TotalMilliseconds;
    var best = double.MaxValue;
    var bestCpu = double.MaxValue;
    long allocated = 0;
    for (var i = 0; i < 3; i++)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        sw.Restart();
        result = ComposeLoader.Load(options, files);
        var ms = sw.Elapsed.TotalMilliseconds;
        bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
        if (ms < best)
        {
            best = ms;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        }
    }
    var peak = Process.GetCurrentProcess().PeakWorkingSet64;
    var outcome = result.Success ? "loaded" : "refused";
    Console.WriteLine($"| {name,-24} | {outcome,-8} | {first,7:N0} ms | {best,6:N0} ms | {bestCpu,6:N0} ms | {allocated / 1048576.0,5:N0} MiB | {peak / 1048576.0,4:N0} MiB | {input.What}; {inputBytes / 1024.0:N0} KiB |");
    if (!result.Success) Console.WriteLine($"|   {"",-22} |          |            |           |           |           |          | → {result.Errors.First()} |");
    if (result.Success != input.ShouldLoad)
    {
        Console.Error.WriteLine($"{name}: expected {(input.ShouldLoad ? "to load" : "a refusal")}; {string.Join("; ", result.Diagnostics.Take(3))}");
        return 2;
    }
    return 0;
}
