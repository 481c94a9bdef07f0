namespace Reconciler.State;

/// <summary>
/// The schema, as the list of steps that build it. A database at version n has run exactly the
/// first n steps, recorded in <c>schema_version</c>; opening runs the rest in one transaction.
/// </summary>
/// <remarks>
/// Append, never edit a step that has shipped. A later version adds columns with defaults, so
/// rows written before it read back sensibly, as version 2 adds <c>last_pulled</c>; the store then
/// lists the new column where it reads and writes stacks. Times are UTC text
/// (<c>2026-11-25T18:47:00.0000000Z</c>: readable in <c>sqlite3</c>, sorts as it reads); enums are
/// lower-case text; maps and sets are JSON.
/// </remarks>
internal static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "stacks, repos, deployments",
        [
            """
            CREATE TABLE stacks (
                name                  TEXT PRIMARY KEY NOT NULL,
                last_attempted_commit TEXT,
                last_applied_commit   TEXT,
                last_good_commit      TEXT,
                last_good_images      TEXT NOT NULL DEFAULT '{}',
                sync_status           TEXT NOT NULL DEFAULT 'unknown',
                suspended             INTEGER NOT NULL DEFAULT 0,
                last_result           TEXT,
                last_error_message    TEXT,
                last_error_commit     TEXT,
                last_error_file       TEXT,
                last_error_line       INTEGER,
                last_success_at       TEXT,
                drift_summary         TEXT,
                failed_commits        TEXT NOT NULL DEFAULT '[]',
                updated_at            TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE repos (
                repo          TEXT PRIMARY KEY NOT NULL,
                head_commit   TEXT,
                head_seen_at  TEXT,
                last_fetch_at TEXT
            )
            """,
            // AUTOINCREMENT: ids are never reused after pruning, so a page cursor stays valid.
            """
            CREATE TABLE deployments (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                stack        TEXT NOT NULL,
                commit_sha   TEXT NOT NULL,
                author       TEXT,
                subject      TEXT,
                trigger      TEXT NOT NULL,
                started_at   TEXT NOT NULL,
                finished_at  TEXT,
                result       TEXT,
                action_count INTEGER NOT NULL DEFAULT 0,
                error        TEXT
            )
            """,
            "CREATE INDEX deployments_by_stack ON deployments (stack, id)",
        ]),
        // JSON: image reference → UTC time text. Stacks written before it have pulled nothing yet
        // as far as the store knows: their next time-based pull is due at once, as before.
        new(2, "last pull per image", ["ALTER TABLE stacks ADD COLUMN last_pulled TEXT NOT NULL DEFAULT '{}'"]),
        // Image garbage collection and guardrails. Stacks written before it have no good-commit
        // history (GC keeps their running images, which containers use) and no image pulled by
        // Reconciler as far as the store knows (GC removes nothing of theirs until they pull again).
        new(3, "good commits' images, images pulled, guardrail findings",
        [
            "ALTER TABLE stacks ADD COLUMN good_history TEXT NOT NULL DEFAULT '[]'",
            "ALTER TABLE stacks ADD COLUMN pulled_images TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE stacks ADD COLUMN policy_findings TEXT NOT NULL DEFAULT '[]'",
        ]),
    ];

    /// <summary>Checks that versions run 1, 2, 3… with no gap; a list that does not is a bug.</summary>
    public static IReadOnlyList<SchemaMigration> Validate(IReadOnlyList<SchemaMigration> migrations)
    {
        if (migrations.Count == 0)
        {
            throw new ArgumentException("the schema needs at least one migration", nameof(migrations));
        }
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new ArgumentException($"migration {i} has version {migrations[i].Version}, expected {i + 1}", nameof(migrations));
            }
        }
        return migrations;
    }
}
