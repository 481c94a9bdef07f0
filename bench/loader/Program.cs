// Loader benchmark: in-process ComposeLoader.Load on a generated project, side by side with
// `docker compose config --format json` and `reconciler config --format json` as processes.
//
//   dotnet run -c Release --project bench/loader [-- --services 200 --runs 50 --warmup 40 --process-runs 5 --keep]
//
// RECONCILER_BIN overrides the CLI binary (default: src/Reconciler/bin/Release/net10.0/reconciler).

using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text.Json.Nodes;
using Reconciler.Bench.Loader;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Files;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var services = IntArg("--services", 200);
var runs = IntArg("--runs", 50);
// Tiered JIT promotes a method after 30 calls (then compiles in the background): 40 warm-up runs
// and a pause make the measured runs steady-state code, as in a long-running daemon.
var warmup = IntArg("--warmup", 40);
var processRuns = IntArg("--process-runs", 5);
var keep = args.Contains("--keep");

var dir = Path.Combine(Path.GetTempPath(), $"rbench-loader-{Environment.ProcessId}");
var file = ProjectGenerator.Write(dir, services);
var text = File.ReadAllText(file);
var lines = text.Count(c => c == '\n');
Console.WriteLine($"Loader benchmark: {services} services, {lines} lines, {text.Length / 1024.0:0.0} KiB ({file})");
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformationText()}, {DateTime.Now:yyyy-MM-dd HH:mm}");
var loadBefore = LoadAverage();
Console.WriteLine();

try
{
    var options = Options(file);

    // The first call pays JIT and type loading: what a one-shot CLI process sees.
    var sw = Stopwatch.StartNew();
    var first = ComposeLoader.Load(options, DiskFileSource.Instance);
    var firstMs = sw.Elapsed.TotalMilliseconds;
    if (!first.Success)
    {
        Console.Error.WriteLine("error: the generated project does not load:");
        foreach (var d in first.Diagnostics) Console.Error.WriteLine("  " + d);
        return 1;
    }
    foreach (var d in first.Warnings) Console.Error.WriteLine("warning: " + d);
    if (first.Project!.ServiceNames.Count() != services)
    {
        Console.Error.WriteLine($"error: loaded {first.Project.ServiceNames.Count()} services, expected {services}");
        return 1;
    }
    sw.Restart();
    DesiredStateBuilder.Build(first.Project, DiskFileSource.Instance);
    var firstDesiredMs = sw.Elapsed.TotalMilliseconds;

    var load = Measure(warmup, runs, () => ComposeLoader.Load(options, DiskFileSource.Instance));
    var loadDesired = Measure(warmup, runs, () =>
    {
        var r = ComposeLoader.Load(options, DiskFileSource.Instance);
        return DesiredStateBuilder.Build(r.Project!, DiskFileSource.Instance);
    });
    var toJson = Measure(warmup, runs, () => first.Project.ToJson());
    // The floor: YamlDotNet's parser over the same text, no tree, no compose rules.
    var parseOnly = Measure(warmup, runs, () =>
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(file)));
        var events = 0;
        while (parser.MoveNext()) events++;
        return events;
    });

    Console.WriteLine($"In-process ({warmup} warm-up runs, then {runs} measured; {(GCSettings.IsServerGC ? "server" : "workstation")} GC):");
    Console.WriteLine($"  {"",-40} {"median",9} {"p95",9} {"min",9} {"CPU med.",9} {"alloc/run",11} {"GCs/run",7} {"GC pause/run",12}");
    Row("ComposeLoader.Load", load);
    Row("Load + DesiredStateBuilder.Build", loadDesired);
    Row("ComposeProject.ToJson", toJson);
    Row("YamlDotNet parser events only (floor)", parseOnly);
    Console.WriteLine($"  {"first Load in the process (cold JIT)",-40} {Ms(firstMs),9}");
    Console.WriteLine($"  {"first DesiredStateBuilder.Build (cold)",-40} {Ms(firstDesiredMs),9}");
    Console.WriteLine();

    // Processes: exactly what a user types, output thrown away by the shell.
    if (processRuns > 0)
    {
        var reconciler = ReconcilerBinary(dir);
        var hasCompose = Run("docker", ["compose", "version"], out _) == 0;
        var quoted = Quote(file);
        // Interleaved (A B C A B C …) so that load from other work on the machine hits all alike.
        var commands = new List<string>();
        if (reconciler is not null)
        {
            commands.Add($"exec {Quote(reconciler)} config -f {quoted} --format json > /dev/null");
            commands.Add($"exec {Quote(reconciler)} --version > /dev/null");
        }
        if (hasCompose) commands.Add($"exec docker compose -f {quoted} config --format json > /dev/null");
        var timings = TimeProcesses(commands, processRuns);
        ProcessTiming? rec = reconciler is null ? null : timings[0];
        ProcessTiming? recVersion = reconciler is null ? null : timings[1];
        ProcessTiming? dc = hasCompose ? timings[^1] : null;

        Console.WriteLine($"Side by side (processes: wall time, median of {processRuns} interleaved runs after one warm-up):");
        Console.WriteLine($"| {"operation",-44} | {"reconciler",10} | {"docker compose",14} | {"ratio",6} |");
        Console.WriteLine($"|{new string('-', 46)}|{new string('-', 12)}|{new string('-', 16)}|{new string('-', 8)}|");
        Console.WriteLine($"| {$"load in-process (median of {runs}, warm)",-44} | {Ms(load.MedianMs),10} | {"—",14} | {"",6} |");
        Console.WriteLine($"| {"load in-process, first call (cold JIT)",-44} | {Ms(firstMs),10} | {"—",14} | {"",6} |");
        Console.WriteLine($"| {"config -f FILE --format json > /dev/null",-44} | {Cell(rec),10} | {Cell(dc),14} | {Ratio(rec, dc),6} |");
        Console.WriteLine($"| {"process startup only (--version)",-44} | {Cell(recVersion),10} | {"—",14} | {"",6} |");
        Console.WriteLine("ratio = docker compose / reconciler (> 1: reconciler is faster)");
        if (reconciler is null) Console.WriteLine("reconciler: not built — run `dotnet build src/Reconciler -c Release` (or set RECONCILER_BIN)");
        if (!hasCompose) Console.WriteLine("docker compose: not installed — its column is left empty");
        if (reconciler is not null && hasCompose) CompareOutputs(reconciler, file);
    }
    Console.WriteLine($"Load average: before {loadBefore}, after {LoadAverage()}");

    Console.WriteLine();
    var verdict = load.MedianMs < 100 ? "MET" : "MISSED";
    Console.WriteLine($"Target: in-process load of {services} services well under 100 ms — median {Ms(load.MedianMs)}, p95 {Ms(load.P95Ms)}: {verdict}");
    return 0;
}
finally
{
    if (keep) Console.WriteLine($"(kept {dir})");
    else Directory.Delete(dir, recursive: true);
}

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) ? v : fallback;
}

static LoadOptions Options(string file)
{
    var env = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
    foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        env[(string)e.Key] = (string?)e.Value ?? "";
    return new LoadOptions
    {
        Files = [file],
        WorkingDirectory = Path.GetDirectoryName(file)!,
        Environment = env.ToImmutable(),
        HomeDirectory = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
    };
}

static Stats Measure<T>(int warmup, int runs, Func<T> work)
{
    for (var i = 0; i < warmup; i++) GC.KeepAlive(work());
    Thread.Sleep(300); // let the background tier-1 compilations finish
    var times = new double[runs];
    var allocs = new long[runs];
    var cpu = new double[runs];
    var gcBefore = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
    var gen2Before = GC.CollectionCount(2);
    var pauseBefore = GC.GetTotalPauseDuration();
    for (var i = 0; i < runs; i++)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var cpuStart = ProcessCpu.Milliseconds();
        var start = Stopwatch.GetTimestamp();
        GC.KeepAlive(work());
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        cpu[i] = ProcessCpu.Milliseconds() - cpuStart;
        allocs[i] = GC.GetAllocatedBytesForCurrentThread() - before;
    }
    var gcs = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2) - gcBefore;
    var gen2 = GC.CollectionCount(2) - gen2Before;
    var pause = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds / runs;
    Array.Sort(times);
    Array.Sort(allocs);
    Array.Sort(cpu);
    return new Stats(Percentile(times, 50), Percentile(times, 95), times[0], Percentile(cpu, 50), allocs[runs / 2], (double)gcs / runs, gen2, pause);
}

static double Percentile(double[] sorted, int p)
{
    // nearest rank
    var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
    return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
}

static void Row(string name, Stats s) =>
    Console.WriteLine($"  {name,-40} {Ms(s.MedianMs),9} {Ms(s.P95Ms),9} {Ms(s.MinMs),9} {Ms(s.CpuMedianMs),9} {s.AllocatedBytes / (1024.0 * 1024.0),8:0.0} MiB {s.GcsPerRun,6:0.0} {Ms(s.GcPauseMsPerRun),9}");

static string Ms(double ms) => ms >= 1000 ? $"{ms / 1000:0.00} s" : $"{ms:0.0} ms";

static string Cell(ProcessTiming? t) => t is null ? "n/a" : t.Failed ? "failed" : Ms(t.MedianMs);

static string Ratio(ProcessTiming? rec, ProcessTiming? dc) =>
    rec is null || dc is null || rec.Failed || dc.Failed ? "" : $"{dc.MedianMs / rec.MedianMs:0.0}x";

static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

static List<ProcessTiming> TimeProcesses(List<string> shellCommands, int runs)
{
    var failed = new bool[shellCommands.Count];
    for (var c = 0; c < shellCommands.Count; c++) // warm-up: page cache, and the failure check
    {
        if (Run("/bin/sh", ["-c", shellCommands[c]], out var err) == 0) continue;
        Console.Error.WriteLine($"warning: `{shellCommands[c]}` failed: {err.Trim()}");
        failed[c] = true;
    }
    var times = shellCommands.Select(_ => new double[runs]).ToArray();
    for (var i = 0; i < runs; i++)
    {
        for (var c = 0; c < shellCommands.Count; c++)
        {
            if (failed[c]) continue;
            var start = Stopwatch.GetTimestamp();
            Run("/bin/sh", ["-c", shellCommands[c]], out _);
            times[c][i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }
    return [.. times.Select((t, c) =>
    {
        Array.Sort(t);
        return new ProcessTiming(failed[c] ? 0 : Percentile(t, 50), failed[c]);
    })];
}

static int Run(string exe, string[] arguments, out string stderr) => RunCapture(exe, arguments, out _, out stderr);

static int RunCapture(string exe, string[] arguments, out string stdout, out string stderr)
{
    var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in arguments) psi.ArgumentList.Add(a);
    try
    {
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        stdout = outTask.Result;
        stderr = errTask.Result;
        return p.ExitCode;
    }
    catch (System.ComponentModel.Win32Exception e)
    {
        stdout = "";
        stderr = e.Message;
        return 127;
    }
}

/// <summary>
/// The CLI, copied with its directory into <paramref name="scratch"/> first: other people's builds
/// rewrite src/Reconciler/bin while we measure.
/// </summary>
static string? ReconcilerBinary(string scratch)
{
    string? bin = null;
    if (Environment.GetEnvironmentVariable("RECONCILER_BIN") is { Length: > 0 } fromEnv)
        bin = File.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : null;
    else
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "Reconciler.sln"))) continue;
            var candidate = Path.Combine(d.FullName, "src", "Reconciler", "bin", "Release", "net10.0", "reconciler");
            bin = File.Exists(candidate) ? candidate : null;
            break;
        }
    }
    if (bin is null) return null;
    var target = Path.Combine(scratch, "bin");
    if (Run("cp", ["-a", Path.GetDirectoryName(bin)!, target], out var err) != 0)
    {
        Console.Error.WriteLine($"warning: could not copy {bin}: {err.Trim()}; timing it in place");
        return bin;
    }
    return Path.Combine(target, Path.GetFileName(bin));
}

static string LoadAverage()
{
    try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "n/a"; }
}

static void CompareOutputs(string reconciler, string file)
{
    RunCapture(reconciler, ["config", "-f", file, "--format", "json"], out var ours, out _);
    RunCapture("docker", ["compose", "-f", file, "config", "--format", "json"], out var theirs, out _);
    try
    {
        var verdict = ours == theirs ? "byte-identical"
            : JsonNode.DeepEquals(JsonNode.Parse(ours), JsonNode.Parse(theirs)) ? "the same JSON, but not byte for byte (check the writer!)"
            : "DIFFER (check the loader!)";
        Console.WriteLine($"  outputs of the two `config --format json`: {verdict}");
    }
    catch (System.Text.Json.JsonException e)
    {
        Console.WriteLine($"  outputs could not be compared: {e.Message}");
    }
}

static string RuntimeInformationText() =>
    $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

internal sealed record Stats(double MedianMs, double P95Ms, double MinMs, double CpuMedianMs, long AllocatedBytes, double GcsPerRun, int Gen2Total, double GcPauseMsPerRun);
internal sealed record ProcessTiming(double MedianMs, bool Failed);

/// <summary>CPU time of the whole process (all threads, GC included), with nanosecond resolution.</summary>
internal static class ProcessCpu
{
    private const int ClockProcessCpuTimeId = 2;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    public static double Milliseconds() =>
        ClockGetTime(ClockProcessCpuTimeId, out var t) == 0 ? t.Seconds * 1000.0 + t.Nanoseconds / 1e6 : double.NaN;
}
