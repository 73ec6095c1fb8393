//! The window's side of persistence: adopting the saved layout at start, saving layout and
//! pane records as they change (throttled, through the writer thread), and the final save.

use std::time::Instant;

use spaces_term::PaneId;

use super::{LAYOUT_CHECK_INTERVAL, PANE_RECORD_INTERVAL, SpacesApp, TRIM_INTERVAL};
use crate::model::Notice;
use crate::model::layout::Layout;
use crate::model::persistence::SavedWorkspace;
use crate::model::settings::Settings;
use crate::model::window_state::WindowState;
use crate::ui::layout;

impl SpacesApp {
    /// Takes the saved layout if it fits the restored panes: panes that could not come back
    /// are taken out of it; an unreadable layout falls back to tabs of every pane. A layout
    /// saved by an older build (an egui_tiles tree) is converted here and saved in the new
    /// format on the first frame.
    pub(super) fn adopt_saved_layout(&mut self, saved: Option<&SavedWorkspace>) {
        let restored = self.panes.ids();
        if restored.is_empty() {
            return;
        }
        let layout = saved.and_then(|saved| saved.layout.as_ref());
        let parsed = layout.and_then(|saved| match Layout::from_json(&saved.tree_json) {
            Ok(layout) => layout::from_layout("spaces-default", &layout),
            Err(error) => {
                self.notices.push(Notice::warning(format!(
                    "the saved arrangement of the panes could not be read ({error}); they are shown as tabs"
                )));
                None
            }
        });
        let mut tree = parsed.unwrap_or_else(|| {
            let mut tree = layout::single_pane_tree("spaces-default", restored[0]);
            for pane in &restored[1..] {
                layout::add_tab(&mut tree, restored[0], *pane);
            }
            tree
        });
        for pane in layout::panes(&tree) {
            if !restored.contains(&pane) {
                layout::remove_pane(&mut tree, pane);
            }
        }
        // Restored panes the tree does not show are closed: their history stays on disk.
        let shown = layout::panes(&tree);
        for pane in restored {
            if !shown.contains(&pane) {
                self.close_pane_record(pane);
                self.panes.remove(pane);
                self.views.remove(&pane);
            }
        }
        self.tree = tree;
        let focused = layout
            .and_then(|layout| layout.focused_pane)
            .map(crate::model::persistence::pane_id)
            .filter(|pane| self.panes.get(*pane).is_some());
        self.focused = focused.or_else(|| layout::panes(&self.tree).first().copied());
        if let Some(pane) = self.focused {
            layout::activate(&mut self.tree, pane);
        }
    }

    /// On exit: saves the layout and pane records as they are now and commits every pending
    /// write. Nothing is recorded after this.
    pub fn save_and_stop_recording(&mut self) {
        self.stopped_recording = true;
        self.last_layout_check = Instant::now() - LAYOUT_CHECK_INTERVAL;
        self.last_record_sync = Instant::now() - PANE_RECORD_INTERVAL;
        self.persist_state();
        self.persistence.shutdown();
    }

    pub(super) fn apply_settings(&mut self, settings: Settings) {
        if let Err(error) = settings.save(&self.config.data_dir) {
            self.notices
                .push(Notice::error(format!("settings not saved: {error:#}")));
        }
        self.glyphs.set_font_size(settings.font_size);
        self.persistence.set_record_input(settings.record_input);
        self.settings = settings;
    }

    /// Saves what changed: the layout (checked every 250 ms), pane records (every second),
    /// and trims old history now and then. All through the writer thread: nothing here waits
    /// for SQLite.
    pub(super) fn persist_state(&mut self) {
        let now = Instant::now();
        if now.duration_since(self.last_layout_check) >= LAYOUT_CHECK_INTERVAL {
            self.last_layout_check = now;
            self.persistence
                .save_layout_if_changed(&layout::to_layout(&self.tree), self.focused);
        }
        if now.duration_since(self.last_record_sync) >= PANE_RECORD_INTERVAL {
            self.last_record_sync = now;
            let workspace = self.persistence.workspace;
            for (pane, entry) in self.panes.iter_mut() {
                let record = crate::model::record::current_record(*pane, entry, workspace);
                if crate::model::record::changed(entry.saved.as_ref(), &record) {
                    self.persistence.save_pane(record.clone());
                    entry.saved = Some(record);
                }
            }
            self.save_window_state();
            self.recording_problem = self.persistence.recorder_problem();
            if let Some(recovery) = self.persistence.take_recovery() {
                self.notices.push(Notice::error(recovery));
            }
        }
        if now.duration_since(self.last_trim) >= TRIM_INTERVAL {
            self.last_trim = now;
            let cap = self.settings.history_cap_mb * 1024 * 1024;
            for pane in self.panes.ids() {
                self.persistence.trim_history(pane, cap);
            }
        }
    }

    /// A frame skipped a throttled save check: make sure one more frame comes when it is
    /// due, or a change made in the last frame before the window idles would wait for the
    /// next input to be saved.
    pub(super) fn schedule_persist_check(&self, ctx: &egui::Context) {
        let now = Instant::now();
        let layout_due =
            LAYOUT_CHECK_INTERVAL.saturating_sub(now.duration_since(self.last_layout_check));
        let records_due =
            PANE_RECORD_INTERVAL.saturating_sub(now.duration_since(self.last_record_sync));
        let skipped_layout = !layout_due.is_zero() && layout_due < LAYOUT_CHECK_INTERVAL;
        let skipped_records = !records_due.is_zero() && records_due < PANE_RECORD_INTERVAL;
        if skipped_layout {
            ctx.request_repaint_after(layout_due);
        } else if skipped_records {
            ctx.request_repaint_after(records_due);
        }
    }

    /// Saves the window's size, position and maximised state when they changed.
    fn save_window_state(&mut self) {
        let Some(ctx) = self.egui_ctx.clone() else {
            return;
        };
        let viewport = ctx.input(|input| input.viewport().clone());
        let (Some(inner), Some(outer)) = (viewport.inner_rect, viewport.outer_rect) else {
            return;
        };
        let state = WindowState {
            x: outer.min.x,
            y: outer.min.y,
            width: inner.width(),
            height: inner.height(),
            maximized: viewport.maximized.unwrap_or(false),
        };
        if self.window_state == Some(state) {
            return;
        }
        if let Err(error) = state.save(&self.config.data_dir) {
            tracing::debug!(%error, "window state not saved");
        }
        self.window_state = Some(state);
    }

    pub(super) fn close_pane_record(&mut self, pane: PaneId) {
        if let Some(entry) = self.panes.get(pane) {
            let mut record =
                crate::model::record::current_record(pane, entry, self.persistence.workspace);
            record.closed_at_ms = Some(spaces_store::unix_millis());
            self.persistence.save_pane(record);
        }
    }
}
