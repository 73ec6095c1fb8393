//! Every row of a database as text, for tests that check a failed operation changed nothing.
//! Used by the store's export tests and the app's workspace CLI tests.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, types::Value};

/// Every row of every table, as text, sorted: equal before and after means nothing changed.
pub fn dump(path: &Path) -> Vec<String> {
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .expect("tables")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("names");
    let mut rows = Vec::new();
    for table in tables {
        let mut statement = connection
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .expect("select");
        let columns = statement.column_count();
        let mut query = statement.query([]).expect("query");
        while let Some(row) = query.next().expect("row") {
            let values: Vec<Value> = (0..columns)
                .map(|index| row.get(index).expect("value"))
                .collect();
            rows.push(format!("{table}: {values:?}"));
        }
    }
    rows.sort();
    rows
}
