//! The headless model: panes (their terminals, cwd tracking and records), the layout of the
//! workspace in Spaces' own format, settings, persistence glue, restore and history.
//!
//! Nothing below this folder may use egui, eframe or egui_tiles (a test in
//! `app/tests/boundaries.rs` fails if it does): this is what a background server will own
//! while windows attach and detach.

pub mod agent_command;
pub mod agents;
pub mod cwd;
pub mod history;
pub mod layout;
pub mod notice;
pub mod pane;
pub mod panes;
pub mod persistence;
pub mod record;
pub mod restore;
pub mod search;
pub mod search_index;
pub mod sessions;
pub mod settings;
pub mod themes;
pub mod threads;
pub mod window_state;
pub mod workspace_input;
pub mod workspace_setup;
pub mod workspace_transfer;
pub mod workspaces;

pub use notice::{Notice, Severity};
pub use pane::Pane;
pub use panes::Panes;
