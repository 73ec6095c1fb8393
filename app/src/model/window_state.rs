//! The window's size, position, maximised state and terminal zoom, kept in `window.toml` in
//! the data directory so a relaunch opens the window where it was, as big as it was (restored
//! dividers then fit as they did). A missing or broken file means the default size.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where and how big the window was, in points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub maximized: bool,
    /// The terminal font size the zoom keys (or Ctrl+wheel) left, when it is not the
    /// settings' `font_size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font_size: Option<f32>,
}

impl WindowState {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("window.toml")
    }

    /// The saved state, if there is a usable one.
    pub fn load(data_dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(data_dir)).ok()?;
        let state: Self = toml::from_str(&text).ok()?;
        let sane = |value: f32| value.is_finite() && value.abs() < 100_000.0;
        (sane(state.x)
            && sane(state.y)
            && sane(state.width)
            && sane(state.height)
            && state.width >= 100.0
            && state.height >= 100.0
            && state
                .font_size
                .is_none_or(|size| (4.0..=96.0).contains(&size)))
        .then_some(state)
    }

    /// Writes the state (atomically: a crash never leaves half a file).
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        let text = toml::to_string(self).map_err(std::io::Error::other)?;
        let path = Self::path(data_dir);
        let temporary = path.with_extension("toml.tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_comes_back_and_nonsense_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(WindowState::load(dir.path()), None);
        let state = WindowState {
            x: 40.0,
            y: 30.0,
            width: 1580.0,
            height: 980.0,
            maximized: false,
            font_size: None,
        };
        state.save(dir.path()).expect("save");
        assert_eq!(WindowState::load(dir.path()), Some(state));
        let zoomed = WindowState {
            font_size: Some(17.0),
            ..state
        };
        zoomed.save(dir.path()).expect("save");
        assert_eq!(WindowState::load(dir.path()), Some(zoomed));
        std::fs::write(WindowState::path(dir.path()), "width = -5").expect("write");
        assert_eq!(WindowState::load(dir.path()), None);
    }
}
