//! Typed ids for workspaces and panes, so one cannot be passed where the other is meant.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! sql_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(formatter)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    };
}

sql_id!(
    /// The id of a workspace (a row of `workspaces`).
    WorkspaceId
);

sql_id!(
    /// The id of a pane (a row of `panes`). Stable across restarts.
    PaneId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_sql_and_json() {
        let connection = rusqlite::Connection::open_in_memory().expect("open");
        let pane: PaneId = connection
            .query_row("SELECT ?1", [PaneId(42)], |row| row.get(0))
            .expect("query");
        assert_eq!(pane, PaneId(42));
        assert_eq!(serde_json::to_string(&WorkspaceId(7)).expect("json"), "7");
        assert_eq!(PaneId(3).to_string(), "3");
    }
}
