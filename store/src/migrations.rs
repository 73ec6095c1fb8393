//! Schema migrations: an append-only list of numbered SQL steps, each applied once.
//!
//! Every applied step is recorded in `schema_migrations` with a checksum of its text, so an
//! edited old migration is caught (`MigrationChanged`) instead of silently diverging, and a
//! database written by a newer build is refused (`NewerSchema`) instead of being damaged.

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::unix_millis;
use crate::error::{Result, StoreError};

/// One step of the schema. `version` numbers start at 1 and have no holes.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration this build knows, oldest first. Append only; never edit an entry.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "agent_sessions",
        sql: include_str!("../migrations/0002_agent_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "usage",
        sql: include_str!("../migrations/0003_usage.sql"),
    },
    Migration {
        version: 4,
        name: "activity",
        sql: include_str!("../migrations/0004_activity.sql"),
    },
    Migration {
        version: 5,
        name: "search",
        sql: include_str!("../migrations/0005_search.sql"),
    },
    Migration {
        version: 6,
        name: "workspace_setup",
        sql: include_str!("../migrations/0006_workspace_setup.sql"),
    },
    Migration {
        version: 7,
        name: "agent_links",
        sql: include_str!("../migrations/0007_agent_links.sql"),
    },
];

/// The bookkeeping table, created outside the numbered list so the list can be checked first.
const CREATE_BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version       INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    checksum      TEXT    NOT NULL,
    applied_at_ms INTEGER NOT NULL
) STRICT";

/// Applies every migration of [`MIGRATIONS`] that `connection` has not seen yet.
pub(crate) fn migrate(connection: &mut Connection) -> Result<()> {
    apply_migrations(connection, MIGRATIONS)
}

/// Checks, without writing, that `connection` holds exactly the schema of [`MIGRATIONS`].
pub(crate) fn verify(connection: &Connection) -> Result<()> {
    let applied = applied_migrations(connection)?;
    check_applied(&applied, MIGRATIONS)?;
    let found = applied.last().map_or(0, |(version, _)| *version);
    let expected = latest_version(MIGRATIONS);
    if found < expected {
        return Err(StoreError::OlderSchema { found, expected });
    }
    Ok(())
}

/// Applies the missing steps of `list`, each in its own transaction.
pub(crate) fn apply_migrations(connection: &mut Connection, list: &[Migration]) -> Result<()> {
    check_list(list)?;
    connection.execute_batch(CREATE_BOOKKEEPING)?;
    let applied = applied_migrations(connection)?;
    check_applied(&applied, list)?;
    for migration in &list[applied.len()..] {
        apply_one(connection, migration)?;
    }
    Ok(())
}

/// A stable 64-bit FNV-1a checksum of a migration's text, as hex. It guards against accidental
/// edits, not against an adversary, so a cryptographic hash is not needed.
pub(crate) fn checksum(text: &str) -> String {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let hash = text.bytes().fold(OFFSET_BASIS, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    format!("{hash:016x}")
}

fn latest_version(list: &[Migration]) -> i64 {
    list.last().map_or(0, |migration| migration.version)
}

/// The list must be numbered 1, 2, 3... so that "applied" is always a prefix of it.
fn check_list(list: &[Migration]) -> Result<()> {
    for (index, migration) in list.iter().enumerate() {
        let expected = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1);
        if migration.version != expected {
            return Err(StoreError::InvalidMigrations(format!(
                "migration {} ({}) should be number {expected}",
                migration.version, migration.name
            )));
        }
    }
    Ok(())
}

/// `(version, checksum)` of every applied step, oldest first; empty for a fresh database.
fn applied_migrations(connection: &Connection) -> Result<Vec<(i64, String)>> {
    let exists: Option<i64> = connection
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut statement =
        connection.prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Compares what the database has applied with what this build knows.
fn check_applied(applied: &[(i64, String)], list: &[Migration]) -> Result<()> {
    let known = latest_version(list);
    if let Some((found, _)) = applied.last()
        && *found > known
    {
        return Err(StoreError::NewerSchema {
            found: *found,
            known,
        });
    }
    for (index, (version, stored)) in applied.iter().enumerate() {
        let Some(migration) = list.get(index).filter(|m| m.version == *version) else {
            return Err(StoreError::InvalidMigrations(format!(
                "database records migration {version} out of sequence"
            )));
        };
        if *stored != checksum(migration.sql) {
            return Err(StoreError::MigrationChanged { version: *version });
        }
    }
    Ok(())
}

fn apply_one(connection: &mut Connection, migration: &Migration) -> Result<()> {
    let transaction = connection.transaction()?;
    transaction.execute_batch(migration.sql)?;
    transaction.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at_ms)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            migration.version,
            migration.name,
            checksum(migration.sql),
            unix_millis()
        ],
    )?;
    transaction.commit()?;
    tracing::info!(
        version = migration.version,
        name = migration.name,
        "applied migration"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Migration = Migration {
        version: 1,
        name: "first",
        sql: "CREATE TABLE a (x INTEGER) STRICT;",
    };
    const SECOND: Migration = Migration {
        version: 2,
        name: "second",
        sql: "CREATE TABLE b (y TEXT) STRICT;",
    };

    fn table_exists(connection: &Connection, name: &str) -> bool {
        connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |row| row.get::<_, i64>(0),
            )
            .expect("query")
            == 1
    }

    #[test]
    fn real_migrations_apply_to_an_empty_file_and_are_idempotent() {
        let temporary = tempfile::tempdir().expect("tempdir");
        let path = temporary.path().join("m.db");
        let mut connection = Connection::open(&path).expect("open");
        migrate(&mut connection).expect("first run");
        migrate(&mut connection).expect("second run is a no-op");
        for table in [
            "workspaces",
            "layouts",
            "panes",
            "output_chunks",
            "snapshots",
        ] {
            assert!(table_exists(&connection, table), "{table} missing");
        }
        verify(&connection).expect("verified");
        let count: i64 = connection
            .query_row("SELECT count(*) FROM schema_migrations", [], |row| {
                row.get(0)
            })
            .expect("count");
        assert_eq!(count, i64::try_from(MIGRATIONS.len()).expect("fits"));
    }

    #[test]
    fn later_steps_apply_on_top_of_earlier_ones() {
        let mut connection = Connection::open_in_memory().expect("open");
        apply_migrations(&mut connection, &[FIRST]).expect("v1");
        assert!(!table_exists(&connection, "b"));
        apply_migrations(&mut connection, &[FIRST, SECOND]).expect("v2");
        assert!(table_exists(&connection, "b"));
    }

    #[test]
    fn an_edited_applied_migration_is_refused() {
        let mut connection = Connection::open_in_memory().expect("open");
        apply_migrations(&mut connection, &[FIRST, SECOND]).expect("apply");
        let edited = Migration {
            sql: "CREATE TABLE b (y TEXT, z TEXT) STRICT;",
            ..SECOND
        };
        let error = apply_migrations(&mut connection, &[FIRST, edited]).expect_err("edited");
        assert!(matches!(error, StoreError::MigrationChanged { version: 2 }));
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut connection = Connection::open_in_memory().expect("open");
        apply_migrations(&mut connection, &[FIRST, SECOND]).expect("apply");
        let error = apply_migrations(&mut connection, &[FIRST]).expect_err("newer");
        assert!(matches!(
            error,
            StoreError::NewerSchema { found: 2, known: 1 }
        ));
    }

    #[test]
    fn a_failing_step_leaves_nothing_behind() {
        let broken = Migration {
            version: 2,
            name: "broken",
            sql: "CREATE TABLE c (x INTEGER) STRICT; THIS IS NOT SQL;",
        };
        let mut connection = Connection::open_in_memory().expect("open");
        apply_migrations(&mut connection, &[FIRST]).expect("v1");
        assert!(apply_migrations(&mut connection, &[FIRST, broken]).is_err());
        assert!(!table_exists(&connection, "c"), "half-applied step kept");
        apply_migrations(&mut connection, &[FIRST, SECOND]).expect("fixed list applies");
    }

    #[test]
    fn a_list_with_holes_is_a_programming_error() {
        let mut connection = Connection::open_in_memory().expect("open");
        let error = apply_migrations(&mut connection, &[SECOND]).expect_err("hole");
        assert!(matches!(error, StoreError::InvalidMigrations(_)));
    }

    #[test]
    fn checksum_changes_with_the_text() {
        assert_eq!(checksum("abc"), checksum("abc"));
        assert_ne!(checksum("abc"), checksum("abd"));
        assert_eq!(checksum("").len(), 16);
    }
}
