//! The window's side of persistence: adopting the saved layout at start, saving layout and
//! pane records as they change (throttled, through the writer thread), and the final save.

use std::time::Instant;

use spaces_term::PaneId;

use super::{LAYOUT_CHECK_INTERVAL, PANE_RECORD_INTERVAL, SpacesApp, TRIM_INTERVAL};
use crate::model::Notice;
use crate::model::settings::Settings;
use crate::model::window_state::WindowState;

/// The throttled save checks a frame skipped (not due yet).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct SkippedChecks {
    pub layout: bool,
    pub records: bool,
}

impl SpacesApp {
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
        for problem in crate::ui::keymap::apply(&settings.keys) {
            self.notices.push(Notice::warning(problem));
        }
        if settings.theme != self.settings.theme || settings.colors != self.settings.colors {
            let (palette, problems) =
                crate::model::themes::palette(&settings.theme, &settings.colors);
            self.notices
                .extend(problems.into_iter().map(Notice::warning));
            // Drawn at once; programs that ask which colours are shown (OSC 10/11) hear the
            // new ones from panes started from now on.
            self.panes.set_palette(std::sync::Arc::new(palette));
            if let Some(ctx) = &self.egui_ctx {
                crate::ui::theme::apply(ctx, crate::model::themes::is_light(&settings.theme));
            }
            for view in self.views.values_mut() {
                view.forget_mesh();
            }
        }
        self.settings = settings;
    }

    /// Saves what changed: the layout (checked every 250 ms), pane records (every second),
    /// and trims old history now and then. All through the writer thread: nothing here waits
    /// for SQLite.
    pub(super) fn persist_state(&mut self) {
        let now = Instant::now();
        // A frame that skips a check may have changed what it would save: the next check
        // gets a frame of its own (`schedule_persist_check`). One that ran it needs none.
        self.skipped_checks.layout =
            now.duration_since(self.last_layout_check) < LAYOUT_CHECK_INTERVAL;
        self.skipped_checks.records =
            now.duration_since(self.last_record_sync) < PANE_RECORD_INTERVAL;
        if !self.skipped_checks.layout {
            self.last_layout_check = now;
            for (workspace, layout, focused) in self.layouts_to_save() {
                self.persistence
                    .save_layout_if_changed(workspace, &layout, focused);
            }
            for record in self.take_dirty_notes() {
                self.persistence.save_workspace(record);
            }
        }
        if !self.skipped_checks.records {
            self.last_record_sync = now;
            for (pane, entry) in self.panes.iter_mut() {
                // Read fresh: no later frame may come to pick up a directory or program that
                // changed since the frame-throttled refresh (an idle window draws none).
                entry.refresh_process(std::time::Duration::ZERO);
                let record = crate::model::record::current_record(*pane, entry);
                if crate::model::record::changed(entry.saved.as_ref(), &record) {
                    self.persistence.save_pane(record.clone());
                    entry.saved = Some(record);
                }
            }
            self.save_window_state();
            // New output to index: the search indexer sleeps until told.
            let printed: u64 = self
                .panes
                .iter_mut()
                .map(|(_, entry)| entry.terminal.bytes_read())
                .sum();
            if printed != self.printed_when_indexed
                && let Some(indexer) = &self.search_indexer
            {
                self.printed_when_indexed = printed;
                indexer.wake();
            }
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

    /// This frame skipped a throttled save check: make sure one more frame comes when it is
    /// due, or a change made in the last frame before the window idles would wait for the
    /// next input to be saved. A frame that ran every check asks for nothing: an idle window
    /// draws no frames.
    pub(super) fn schedule_persist_check(&self, ctx: &egui::Context) {
        let now = Instant::now();
        if self.skipped_checks.layout {
            let due =
                LAYOUT_CHECK_INTERVAL.saturating_sub(now.duration_since(self.last_layout_check));
            ctx.request_repaint_after(due);
        }
        if self.skipped_checks.records {
            let due =
                PANE_RECORD_INTERVAL.saturating_sub(now.duration_since(self.last_record_sync));
            ctx.request_repaint_after(due);
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
            font_size: Some(self.glyphs.font_size())
                .filter(|size| (size - self.settings.font_size).abs() > f32::EPSILON),
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
            let mut record = crate::model::record::current_record(pane, entry);
            record.closed_at_ms = Some(spaces_store::unix_millis());
            self.persistence.save_pane(record);
        }
    }
}
