namespace Reconciler.State;

/// <summary>One step of the schema: the statements that take a database from <c>Version - 1</c> to <see cref="Version"/>.</summary>
internal sealed record SchemaMigration(int Version, string Description, IReadOnlyList<string> Statements);
