//! Settings: small key/value pairs the app owns (theme, font size, retention...).

use rusqlite::{OptionalExtension, params};

use crate::database::Database;
use crate::error::Result;

impl Database {
    /// The value stored under `key`, if any.
    pub fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let value = self
            .connection()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(value)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.connection()
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    /// Removes `key`; returns whether it was set.
    pub fn delete_setting(&self, key: &str) -> Result<bool> {
        let deleted = self
            .connection()
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_set_replaced_and_deleted() {
        let database = Database::open_in_memory().expect("open");
        assert_eq!(database.get_setting("theme").expect("get"), None);
        database.set_setting("theme", "dark").expect("set");
        database.set_setting("theme", "light").expect("replace");
        assert_eq!(
            database.get_setting("theme").expect("get"),
            Some("light".to_owned())
        );
        assert!(database.delete_setting("theme").expect("delete"));
        assert!(!database.delete_setting("theme").expect("delete again"));
        assert_eq!(database.get_setting("theme").expect("get"), None);
    }
}
