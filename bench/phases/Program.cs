// One no-op check (load → desired state → read the engine → plan), phase by phase:
//   pass 1 in a fresh process = what `reconciler plan` pays (JIT, type loading, first connection);
//   passes 2.. = what a long-running process (the daemon) pays per check.
//
//   phases-bench -f compose.yaml -p PROJECT [--runs 20]
// Environment variables interpolated by the file are read from this process, as the CLI does.

using System.Collections;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;
using Reconciler.Core.Planning;
using Reconciler.Docker;
using Reconciler.Files;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var sinceStart = DateTime.Now - Process.GetCurrentProcess().StartTime;

string? file = null, project = null;
var runs = 20;
for (var i = 0; i + 1 < args.Length; i++)
{
    switch (args[i])
    {
        case "-f": file = Path.GetFullPath(args[++i]); break;
        case "-p": project = args[++i]; break;
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
    }
}
if (file is null) { Console.Error.WriteLine("usage: phases-bench -f FILE [-p PROJECT] [--runs N]"); return 1; }

var env = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
foreach (DictionaryEntry e in Environment.GetEnvironmentVariables()) env[(string)e.Key] = (string?)e.Value ?? "";
var options = new LoadOptions
{
    Files = [file],
    ProjectName = project,
    WorkingDirectory = Directory.GetCurrentDirectory(),
    Environment = env.ToImmutable(),
    HomeDirectory = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
};

using var engine = DockerEngine.Connect();
var passes = new List<double[]>();
var inSync = true;
for (var pass = 0; pass <= runs; pass++)
{
    var t = new double[5];
    var sw = Stopwatch.StartNew();
    var loaded = ComposeLoader.Load(options, DiskFileSource.Instance);
    t[0] = Lap(sw);
    if (loaded.Project is null) { foreach (var d in loaded.Diagnostics) Console.Error.WriteLine(d); return 1; }
    var desired = DesiredStateBuilder.Build(loaded.Project, DiskFileSource.Instance);
    t[1] = Lap(sw);
    var wanted = desired.Services.Values.Select(s => s.Template.Name).ToList();
    var observed = await engine.State.ReadAsync(desired.Name, wanted);
    t[2] = Lap(sw);
    var plan = Planner.Plan(desired, observed, new PlanOptions { Now = DateTimeOffset.UtcNow });
    t[3] = Lap(sw);
    t[4] = t[0] + t[1] + t[2] + t[3];
    if (pass == 0) inSync = plan.IsEmpty;
    passes.Add(t);
}

string[] names = ["ComposeLoader.Load", "DesiredStateBuilder.Build", "engine read (5 list calls)", "Planner.Plan", "total"];
Console.WriteLine($"No-op check phase by phase ({(inSync ? "project in sync" : "project NOT in sync")}); process start → Main: {sinceStart.TotalMilliseconds:0} ms");
Console.WriteLine($"| {"phase",-28} | {"1st pass (cold)",15} | {"warm median of " + runs,18} |");
Console.WriteLine($"|{new string('-', 30)}|{new string('-', 17)}|{new string('-', 20)}|");
for (var p = 0; p < names.Length; p++)
{
    var warm = passes.Skip(1).Select(x => x[p]).Order().ToArray();
    Console.WriteLine($"| {names[p],-28} | {passes[0][p],12:0.0} ms | {warm[warm.Length / 2],15:0.0} ms |");
}
return 0;

static double Lap(Stopwatch sw)
{
    var ms = sw.Elapsed.TotalMilliseconds;
    sw.Restart();
    return ms;
}
