//! Spaces: the window, its terminal views and the command line, as a library so tests can
//! drive the same code the `spaces` binary runs.

pub mod app;
pub mod bench;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod control;
pub mod control_handler;
pub mod glyph_cache;
pub mod grid_mesh;
pub mod history;
pub mod history_view;
pub mod keyboard;
pub mod layout;
pub mod palette_view;
pub mod pane_record;
pub mod panes;
pub mod persistence;
pub mod restore;
pub mod settings;
pub mod terminal_view;
pub mod theme;
pub mod threads;
pub mod tiles_behavior;

pub use app::{AppConfig, SpacesApp};
