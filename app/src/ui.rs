//! Everything that draws or takes input: the window (`app`), the pane grid (`layout`,
//! `tiles`), each terminal's view (`terminal`) and its renderer (`render`), the palette,
//! settings and history windows, the theme (the only place colours are chosen) and the
//! commands every menu, shortcut and palette entry comes from.
//!
//! View state (meshes, scroll remainders, selection gestures) lives here, keyed by pane id;
//! panes themselves change only through the model's and `spaces_term`'s methods.

pub mod app;
pub mod clipboard;
pub mod clipboard_requests;
pub mod commands;
pub mod find;
pub mod history;
pub mod keymap;
pub mod layout;
pub mod palette;
pub mod render;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod terminal;
pub mod theme;
pub mod tiles;
pub mod transfer;
pub mod usage;
pub mod welcome;
pub mod workspace_settings;
pub mod workspaces;
