/**
 * Versioned schema migrations. Two parts of the server keep tables in one SQLite file, so a single
 * `PRAGMA user_version` cannot say which of them is at which version: each part has its own row in
 * `schema_versions` and applies its numbered steps in one transaction each.
 */
import type Database from 'better-sqlite3';

/** Step i (0-based) moves the component from version i to i + 1. Steps are append-only once released. */
export type Migration = (db: Database.Database) => void;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  readonly code = 'migration_failed';
}

export function migrate(db: Database.Database, component: string, steps: readonly Migration[]): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_versions (
    component TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID`);
  const read = db.prepare<[string], { version: number }>('SELECT version FROM schema_versions WHERE component = ?');
  const write = db.prepare<[string, number]>(
    'INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version',
  );
  const current = read.get(component)?.version ?? 0;
  if (current > steps.length) {
    throw new MigrationError(
      `${component} schema is at version ${current}, newer than this build knows (${steps.length}); refusing to run`,
    );
  }
  for (let version = current; version < steps.length; version++) {
    const step = steps[version];
    if (step === undefined) break;
    db.transaction(() => {
      step(db);
      write.run(component, version + 1);
    })();
  }
  return steps.length;
}
