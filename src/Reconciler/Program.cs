using System.CommandLine;
using Reconciler.Cli;

// No version in this text: reading assembly attributes costs a native build more at every start
// than the rest of the command tree; --version reads it only when asked.
var root = new RootCommand("""
    Reconciler — keeps Docker Compose hosts equal to what git says.

    Examples:
      reconciler config -f compose.yaml        print the resolved project
      reconciler plan                          show what apply would change
      reconciler apply                         converge the host
    """);
root.Subcommands.Add(ConfigCommand.Create());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(ApplyCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(GcCommand.Create());
root.Subcommands.Add(StateCommands.Status());
root.Subcommands.Add(StateCommands.History());
root.Subcommands.Add(StateCommands.Suspend(suspend: true));
root.Subcommands.Add(StateCommands.Suspend(suspend: false));
return root.Parse(args).Invoke();

