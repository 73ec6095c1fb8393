//! Spaces: the window, its terminal views and the command line, as a library so tests can
//! drive the same code the `spaces` binary runs.
//!
//! - `model/`: the headless model (panes, layout format, persistence glue, restore, history).
//!   No egui below it.
//! - `ui/`: everything that draws or takes input (the window, terminal views, renderer).
//! - `control/`: the typed, versioned socket protocol, its transport, client and handler.
//! - `cli/`: the `spaces` command line. `bench/`: `spaces bench ...`.

pub mod bench;
pub mod cli;
pub mod control;
pub mod model;
pub mod ui;

pub use ui::app::{AppConfig, SpacesApp};
