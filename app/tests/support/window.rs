//! The window under test, shared by the UI test crates: the whole Spaces window in an
//! egui_kittest harness, driven by keys, clicks and drags as a user would, with real
//! `/bin/sh` panes behind it. Each test crate uses part of it.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui::{Event, Key, Pos2, Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use spaces_app::ui::commands::CTRL_SHIFT;
use spaces_app::ui::layout::{self, panes};
use spaces_app::{AppConfig, SpacesApp};
use spaces_term::PaneId;
use tempfile::TempDir;

/// How long a condition may take before the test fails: shells start in milliseconds, but CI
/// machines are slow and busy.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A window under test and the data directory it owns.
pub struct Window {
    pub harness: Harness<'static, SpacesApp>,
    pub _data_dir: TempDir,
}

impl Window {
    /// A 1200x800 window with one `/bin/sh` pane, no control socket and no system clipboard.
    pub fn open() -> Self {
        Self::open_in(tempfile::tempdir().expect("temporary data directory"))
    }

    /// A window on an existing data directory (as a relaunch would).
    pub fn open_in(data_dir: TempDir) -> Self {
        Self::open_with(data_dir, None)
    }

    pub fn open_with(data_dir: TempDir, database_growth_limit_pages: Option<u64>) -> Self {
        Self::open_configured(data_dir, |config| {
            config.database_growth_limit_pages = database_growth_limit_pages;
        })
    }

    /// A 1400x800 window on `data_dir` with `/bin/sh` panes and no socket or system
    /// clipboard, after `configure` changed what a test needs.
    pub fn open_configured(data_dir: TempDir, configure: impl FnOnce(&mut AppConfig)) -> Self {
        let mut config = AppConfig {
            control_socket: false,
            system_clipboard: false,
            default_command: vec!["/bin/sh".into()],
            ..AppConfig::new(data_dir.path().to_path_buf())
        };
        configure(&mut config);
        let mut harness = Harness::builder()
            .with_size(Vec2::new(1400.0, 800.0))
            .build_eframe(|cc| SpacesApp::new(&cc.egui_ctx, config).expect("app starts"));
        harness.run_steps(2);
        Self {
            harness,
            _data_dir: data_dir,
        }
    }

    pub fn app(&self) -> &SpacesApp {
        self.harness.state()
    }

    pub fn focused(&self) -> PaneId {
        self.app().focused().expect("a pane has focus")
    }

    pub fn pane_count(&self) -> usize {
        assert_eq!(
            panes(self.app().tree()).len(),
            self.app().panes().len(),
            "every live pane has a tile and every tile a live pane"
        );
        self.app().panes().len()
    }

    /// Where the pane was drawn in the last frame (below its tab bar).
    pub fn rect(&self, pane: PaneId) -> Rect {
        let tree = self.app().tree();
        let tile = layout::tile_of(tree, pane).expect("pane has a tile");
        tree.tiles.rect(tile).expect("pane was laid out")
    }

    /// Presses Ctrl+Shift+`key` and lets the window react.
    pub fn shortcut(&mut self, key: Key) {
        self.harness.key_press_modifiers(CTRL_SHIFT, key);
        self.harness.step();
        self.harness.run_steps(2);
    }

    /// Types a line into whatever has keyboard focus and presses Enter.
    pub fn type_line(&mut self, text: &str) {
        self.harness.event(Event::Text(text.to_owned()));
        self.harness.key_press(Key::Enter);
        self.harness.step();
    }

    pub fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.harness.step();
        self.harness.run_steps(2);
    }

    pub fn has_label(&self, label: &str) -> bool {
        self.harness.query_all_by_label(label).next().is_some()
    }

    pub fn has_label_containing(&self, part: &str) -> bool {
        self.harness
            .query_all_by_label_contains(part)
            .next()
            .is_some()
    }

    /// The text field of a window or panel (not the workspace sidebar's search box).
    pub fn text_field_right_of_sidebar(&self) -> egui_kittest::Node<'_> {
        self.harness
            .query_all_by_role(egui::accesskit::Role::TextInput)
            .find(|node| node.rect().max.x > 200.0)
            .expect("a text field beside the sidebar")
    }

    /// The focused pane's screen, one string per row.
    pub fn screen(&self) -> String {
        let entry = self
            .app()
            .panes()
            .get(self.focused())
            .expect("focused pane");
        entry.terminal.read(spaces_term::text::screen).join("\n")
    }

    /// The focused pane's screen and the 100 lines of scrollback above it.
    pub fn screen_and_history(&self) -> String {
        let entry = self
            .app()
            .panes()
            .get(self.focused())
            .expect("focused pane");
        entry
            .terminal
            .read(|term| spaces_term::text::lines(term, -100, 200))
            .join("\n")
    }

    /// Steps frames until `done` holds, failing the test after `DEADLINE`.
    pub fn wait_for(&mut self, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let start = Instant::now();
        loop {
            self.harness.step();
            if done(self) {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; focused screen:\n{}",
                self.app()
                    .focused()
                    .map_or_else(|| "(no pane)".to_owned(), |_| self.screen())
            );
            // Give the shells a moment to run; the condition, not this pause, ends the wait.
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Moves the pointer from `from` to `to` with the primary button held, a frame per step.
    pub fn drag(&mut self, from: Pos2, to: Pos2) {
        self.harness.hover_at(from);
        self.harness.step();
        self.harness.drag_at(from);
        self.harness.step();
        let steps = 12;
        for i in 1..=steps {
            self.harness
                .hover_at(from.lerp(to, i as f32 / steps as f32));
            self.harness.step();
        }
        self.harness.drop_at(to);
        self.harness.step();
        self.harness.run_steps(2);
    }
}

pub fn is_left_of(left: Rect, right: Rect) -> bool {
    left.max.x <= right.min.x + 1.0 && left.max.y > right.min.y && left.min.y < right.max.y
}

pub fn is_above(top: Rect, bottom: Rect) -> bool {
    top.max.y <= bottom.min.y + 1.0 && top.max.x > bottom.min.x && top.min.x < bottom.max.x
}
