//! The Spaces window: owns the model's panes, the tile tree, each pane's view state and the
//! runtime pieces (glyph cache, clipboard, control socket), turns commands into changes, and
//! draws the frame. Startup (opening the store, restoring panes) is in `startup`; saving as
//! things change is in `persist`; pane operations (spawn, split, focus, close) in `pane_ops`;
//! agent sessions in `agents`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use egui_tiles::Tree;
use spaces_term::terminal::Listeners;
use spaces_term::{PaneId, SpawnOptions, TerminalEvent, TerminalEventKind};

use crate::control::{ControlServer, PendingRequest};
use crate::model::persistence::Persistence;
use crate::model::settings::Settings;
use crate::model::{Notice, Panes};
use crate::ui::clipboard::Clipboard;
use crate::ui::clipboard_requests::{ClipboardRequests, ProgramWrite};
use crate::ui::history::HistoryView;
use crate::ui::layout;
use crate::ui::palette::CommandPalette;
use crate::ui::render::glyph_cache::GlyphCache;
use crate::ui::settings::SettingsWindow;
use crate::ui::terminal::{self, PaneRequest, PaneViews, ViewContext};
use crate::ui::theme;
use crate::ui::tiles::TileBehavior;

mod agents;
pub(crate) use agents::agent_label;
mod execute;
mod pane_ops;
mod persist;
mod startup;
mod workspace_panels;
mod workspaces;

/// The smallest gap between two frames while output streams in: the parser needs the CPU
/// more than the screen needs a 200th frame per second.
const MIN_FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// How often the layout is compared with what was saved (durable within a second).
const LAYOUT_CHECK_INTERVAL: Duration = Duration::from_millis(250);
/// How often each pane's record (cwd, title, size, command) is brought up to date.
const PANE_RECORD_INTERVAL: Duration = Duration::from_secs(1);
/// How often old history beyond the per-pane cap is dropped.
const TRIM_INTERVAL: Duration = Duration::from_secs(300);

/// How the window is started.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// Listen on the control socket in `data_dir` (off in UI tests).
    pub control_socket: bool,
    /// Use the system clipboard (off in headless tests).
    pub system_clipboard: bool,
    /// What new panes run; empty = the user's login shell.
    pub default_command: Vec<String>,
    /// Caps the database at its size at start plus this many pages, as if the disk filled up
    /// then (tests of the disk-full path).
    pub database_growth_limit_pages: Option<u64>,
    /// How often the recorder looks for damage on disk; `None`: its defaults (tests of the
    /// damaged-file path make it quick).
    pub damage_checks: Option<spaces_store::DamageChecks>,
    /// Where the agents keep their sessions; `None`: where the agents' own variables say
    /// (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `GEMINI_CLI_HOME`, else under `$HOME`).
    pub session_roots: Option<spaces_store::sessions::SessionRoots>,
    /// Close cleanly (saving) on SIGTERM, SIGHUP and SIGINT. Only the `spaces` binary turns
    /// this on: in a test process the signals must keep ending the tests.
    pub quit_on_signals: bool,
}

impl AppConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            control_socket: true,
            system_clipboard: true,
            default_command: Vec::new(),
            database_growth_limit_pages: None,
            damage_checks: None,
            session_roots: None,
            quit_on_signals: false,
        }
    }
}

pub struct SpacesApp {
    /// Set once the state was saved and the recorder stopped (quit, or the drop after a
    /// window that ended without a quit).
    stopped_recording: bool,
    config: AppConfig,
    panes: Panes,
    /// What each pane's view remembers between frames, by pane id.
    views: PaneViews,
    /// Every workspace's record; which one is shown.
    workspaces: crate::model::workspaces::Workspaces,
    /// The other workspaces' trees, the sidebar, notes.
    workspace_ui: workspaces::WorkspaceUi,
    /// The shown workspace's tiles.
    tree: Tree<PaneId>,
    focused: Option<PaneId>,
    glyphs: GlyphCache,
    clipboard: Clipboard,
    /// Programs' requests to set the clipboard (OSC 52) and what the window says of them.
    clipboard_requests: ClipboardRequests,
    palette: CommandPalette,
    events: Receiver<TerminalEvent>,
    control: Option<ControlServer>,
    /// Problems and facts to show the user until dismissed.
    notices: Vec<Notice>,
    /// A recording problem shown while it lasts (disk full).
    recording_problem: Option<String>,
    window_title: String,
    persistence: Persistence,
    settings: Settings,
    settings_window: SettingsWindow,
    history: HistoryView,
    last_layout_check: Instant,
    last_record_sync: Instant,
    /// A pane whose close waits for the user's answer, and the program running in it.
    pending_close: Option<(PaneId, String)>,
    /// Directories of panes closed in this session, newest first (the welcome view offers
    /// them).
    recent_dirs: Vec<PathBuf>,
    /// The widget that had egui's keyboard focus when this frame began.
    focus_at_frame_start: Option<egui::Id>,
    /// What every pane had printed when the search indexer was last woken.
    printed_when_indexed: u64,
    /// Which throttled save checks the last frame skipped.
    skipped_checks: persist::SkippedChecks,
    last_trim: Instant,
    /// Frames drawn so far: restored panes start their shells after the first one.
    frames: u64,
    /// The pane last told it has the focus (mode 1004), if any: the focused pane while the
    /// window has the keyboard focus.
    focus_reported: Option<PaneId>,
    /// The agents' sessions index (a worker thread), when this session is saved.
    sessions: Option<crate::model::sessions::Sessions>,
    sessions_panel: crate::ui::sessions::SessionsPanel,
    usage_view: crate::ui::usage::UsageView,
    search: crate::ui::search::SearchWindow,
    find: crate::ui::find::FindBar,
    /// Indexes new output for search in the background (when this session is saved).
    search_indexer: Option<crate::model::search_index::SearchIndexer>,
    agent_dialog: agents::AgentDialog,
    /// Which agent each pane runs, its conversation and state.
    agents: crate::model::agents::Agents,
    /// Desktop notifications (nothing when D-Bus is absent).
    notifier: crate::model::agents::notifications::Notifier,
    /// The window's geometry last saved to `window.toml`.
    window_state: Option<crate::model::window_state::WindowState>,
    /// The egui context, for what runs outside a frame's `ui` (saving the window state).
    egui_ctx: Option<egui::Context>,
    /// Set by SIGTERM/SIGHUP/SIGINT: close as if the user quit.
    quit_asked: Arc<std::sync::atomic::AtomicBool>,
}

impl SpacesApp {
    pub fn new(ctx: &egui::Context, config: AppConfig) -> anyhow::Result<Self> {
        theme::apply(ctx, false);
        crate::ui::render::glyph_cache::install_faces(ctx);
        // Ctrl+Plus/Minus/0 belong to the programs in the panes; Spaces zooms the terminal
        // font with its own commands, never the whole interface.
        ctx.options_mut(|options| options.zoom_with_keyboard = false);
        let runtime = startup::Runtime::start(ctx, &config)?;
        let (settings, settings_problem) = Settings::load(&config.data_dir);
        let mut notices = runtime.notices;
        notices.extend(settings_problem.map(Notice::warning));
        notices.extend(
            crate::ui::keymap::apply(&settings.keys)
                .into_iter()
                .map(Notice::warning),
        );
        let mut store = startup::open_store(&config, &mut notices);
        store.persistence.set_record_input(settings.record_input);
        let (palette, theme_problems) =
            crate::model::themes::palette(&settings.theme, &settings.colors);
        notices.extend(theme_problems.into_iter().map(Notice::warning));
        theme::apply(ctx, crate::model::themes::is_light(&settings.theme));
        let listeners = Listeners {
            sink: store.persistence.sink(),
            palette: Arc::new(palette),
            ..runtime.listeners
        };
        let mut panes = Panes::new(listeners);
        if let Some(saved) = &store.saved {
            panes.set_next_id(saved.next_pane_id);
        }
        let workspaces = crate::model::workspaces::Workspaces::new(
            store
                .saved
                .as_ref()
                .map(|saved| saved.workspaces.clone())
                .unwrap_or_default(),
            store.saved.as_ref().and_then(|saved| saved.active),
        )
        .with_setups(
            store
                .saved
                .as_ref()
                .map(|saved| saved.setups.clone())
                .unwrap_or_default(),
            store
                .saved
                .as_ref()
                .map(|saved| saved.worktrees.clone())
                .unwrap_or_default(),
        );
        // Restored panes get their workspace's environment again (it is not stored per pane:
        // a `.env` may hold secrets, and may have changed).
        for plan in &mut store.plans {
            plan.env =
                crate::model::workspace_setup::pane_env(workspaces.setup(plan.record.workspace_id));
        }
        // A workspace made now (a fresh install) is saved before its first pane.
        store
            .persistence
            .save_workspace(workspaces.active().clone());
        let base = base_options(&settings, &config);
        let resume = crate::model::restore::ResumePolicy {
            roots: config
                .session_roots
                .clone()
                .unwrap_or_else(spaces_store::sessions::SessionRoots::from_env),
            automatic: settings.resume_agents,
        };
        for pane in panes.restore_all(&store.plans, &base, &resume) {
            notices.push(Notice::warning(format!(
                "pane {pane} came back empty: its history could not be replayed (it is still on disk: `spaces history --pane {pane}`)"
            )));
        }
        let search_indexer = startup::start_search_indexer(&store.persistence, &mut notices);
        let search_recorder = store.persistence.recorder.clone();
        let usage_source =
            store
                .persistence
                .saves_to_disk()
                .then(|| crate::model::agents::watcher::UsageSource {
                    database: store.persistence.database_path().to_path_buf(),
                    data_dir: config.data_dir.clone(),
                });
        let now = Instant::now();
        let mut app = Self {
            stopped_recording: false,
            tree: layout::empty_tree(&workspaces::tree_id(workspaces.active_id())),
            workspaces,
            workspace_ui: workspaces::WorkspaceUi::default(),
            views: PaneViews::new(),
            focused: None,
            // The zoom the window had when it closed.
            glyphs: GlyphCache::new(
                crate::model::window_state::WindowState::load(&config.data_dir)
                    .and_then(|state| state.font_size)
                    .unwrap_or(settings.font_size),
            ),
            clipboard: Clipboard::new(config.system_clipboard),
            clipboard_requests: ClipboardRequests::default(),
            palette: CommandPalette::default(),
            events: runtime.events,
            control: runtime.control,
            notices,
            recording_problem: None,
            window_title: String::new(),
            persistence: store.persistence,
            settings,
            settings_window: SettingsWindow::default(),
            history: HistoryView::default(),
            // Due at once: the first frame saves the layout and the pane records, so even a
            // window killed in its first second comes back.
            last_layout_check: now.checked_sub(LAYOUT_CHECK_INTERVAL).unwrap_or(now),
            last_record_sync: now.checked_sub(PANE_RECORD_INTERVAL).unwrap_or(now),
            skipped_checks: persist::SkippedChecks::default(),
            printed_when_indexed: 0,
            focus_at_frame_start: None,
            pending_close: None,
            recent_dirs: Vec::new(),
            last_trim: now,
            frames: 0,
            focus_reported: None,
            sessions: None,
            sessions_panel: crate::ui::sessions::SessionsPanel::default(),
            usage_view: crate::ui::usage::UsageView::default(),
            find: crate::ui::find::FindBar::default(),
            search: crate::ui::search::SearchWindow::new(
                config.data_dir.clone(),
                search_recorder,
                search_indexer.as_ref().map(|indexer| {
                    std::sync::Arc::new(indexer.waker()) as std::sync::Arc<dyn Fn() + Send + Sync>
                }),
            ),
            search_indexer,
            agent_dialog: agents::AgentDialog::default(),
            agents: crate::model::agents::Agents::start(
                Some(resume.roots.clone()),
                usage_source,
                {
                    let ctx = ctx.clone();
                    Arc::new(move || ctx.request_repaint())
                },
            ),
            notifier: crate::model::agents::notifications::Notifier::start({
                let ctx = ctx.clone();
                Arc::new(move || ctx.request_repaint())
            }),
            window_state: None,
            egui_ctx: Some(ctx.clone()),
            quit_asked: if config.quit_on_signals {
                startup::watch_quit_signals(ctx)
            } else {
                Arc::default()
            },
            panes,
            config,
        };
        app.adopt_saved_layouts(store.saved.as_ref());
        app.start_sessions(ctx);
        if app.panes.is_empty() {
            app.open_first_pane()?;
        }
        Ok(app)
    }

    /// The pane of a window with nothing to restore: a shell in the home directory.
    fn open_first_pane(&mut self) -> anyhow::Result<()> {
        let pane = self
            .spawn_pane(self.spawn_options(Vec::new(), None))
            .ok_or_else(|| {
                let problems: Vec<String> = self.notices.iter().map(Notice::to_string).collect();
                anyhow::anyhow!("could not start a shell: {}", problems.join("; "))
            })?;
        self.tree =
            layout::single_pane_tree(&workspaces::tree_id(self.workspaces.active_id()), pane);
        self.focused = Some(pane);
        Ok(())
    }

    pub fn focused(&self) -> Option<PaneId> {
        self.focused
    }

    pub fn tree(&self) -> &Tree<PaneId> {
        &self.tree
    }

    pub fn panes(&self) -> &Panes {
        &self.panes
    }

    pub fn palette_open(&self) -> bool {
        self.palette.open
    }

    /// Work that must happen even while the window is hidden: terminal events and control
    /// requests.
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self
            .quit_asked
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.handle_terminal_events();
        self.handle_control_requests(ctx);
        self.agents_logic(ctx);
    }

    /// One frame of the whole window.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        // A field that held the keyboard when the frame began (and gave it up on Enter or
        // Escape during it) keeps that key from the panes.
        self.focus_at_frame_start = ctx.memory(|memory| memory.focused());
        self.glyphs.begin_frame(&ctx);
        let atlas_before = self.glyphs.atlas_size();
        self.logic(&ctx);
        self.handle_shortcuts(&ctx);

        egui::Panel::top("menu-bar").show(ui, |ui| self.menu_bar(ui));
        self.notices_bar(ui);
        self.workspaces_ui(ui);
        // The palette offers the workspaces by name; nothing is gathered while it is shut.
        let workspaces: Vec<_> = if self.palette.open {
            self.workspaces
                .visible()
                .map(|record| (record.id, record.name.clone()))
                .collect()
        } else {
            Vec::new()
        };
        match self.palette.show(&ctx, &workspaces) {
            Some(crate::ui::palette::Entry::Command(command)) => self.execute(&ctx, command),
            Some(crate::ui::palette::Entry::Workspace(id, _)) => {
                if let Err(error) = self.switch_workspace(id) {
                    self.notices.push(Notice::warning(error));
                }
            }
            None => {}
        }
        if let Some(settings) = self.settings_window.show(&ctx) {
            self.apply_settings(settings);
        }
        self.history.show(&ctx);
        self.close_question(&ctx);
        if let Some(crate::ui::find::FindRequest::OlderHistory { pane, query }) =
            self.find.show(&ctx, &self.panes)
        {
            let title = self.panes.get(pane).map(|e| e.title()).unwrap_or_default();
            self.history
                .open_filtered(self.persistence.database_path(), pane, title, &query);
        }
        if let Some(choice) = self.search.show(&ctx) {
            self.open_search_choice(choice);
        }
        self.sessions_ui(ui);
        let mut requests = Vec::new();
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(ctx.global_style().visuals.panel_fill))
            .show(ui, |ui| self.tiles_ui(ui, &mut requests));
        for request in requests {
            self.handle_pane_request(request);
        }
        self.refresh_processes();
        self.persist_state();
        self.schedule_persist_check(&ctx);
        self.start_restored_processes(&ctx);
        self.update_window_title(&ctx);
        self.report_focus(&ctx);
        if self.glyphs.atlas_size() != atlas_before
            || ctx.fonts(|fonts| fonts.font_image_size())
                != [atlas_before.x as usize, atlas_before.y as usize]
        {
            // The atlas grew while meshes were built with the old size: draw again.
            ctx.request_discard("terminal glyph atlas grew");
        }
    }

    fn tiles_ui(&mut self, ui: &mut egui::Ui, requests: &mut Vec<PaneRequest>) {
        if layout::panes(&self.tree).is_empty() {
            self.welcome_view(ui);
            return;
        }
        let palette = self.panes.palette();
        // The keyboard belongs to the focused pane unless another widget (the palette, a
        // settings field, the history filter) holds egui's focus.
        let focused_widget = ui.ctx().memory(|memory| memory.focused());
        let is_other_widget = |widget: egui::Id| {
            !self
                .panes
                .ids()
                .into_iter()
                .any(|pane| terminal::widget_id(pane) == widget)
        };
        let other_widget_focused = focused_widget.is_some_and(is_other_widget)
            || self.focus_at_frame_start.is_some_and(is_other_widget);
        let keyboard_enabled = !self.palette.open && !other_widget_focused;
        let mut behavior = TileBehavior {
            panes: &self.panes,
            views: &mut self.views,
            view: ViewContext {
                glyphs: &mut self.glyphs,
                clipboard: &mut self.clipboard,
                palette: &palette,
                focused: self.focused,
                keyboard_enabled,
                requests,
                find: self.find.highlight(),
            },
        };
        self.tree.ui(&mut behavior, ui);
    }

    fn handle_terminal_events(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            match event.kind {
                TerminalEventKind::ClipboardStore { primary, text } => {
                    let write = ProgramWrite {
                        pane: event.pane,
                        primary,
                        text,
                    };
                    self.clipboard_requests.request(
                        self.settings.clipboard_write,
                        write,
                        &mut self.clipboard,
                    );
                }
                TerminalEventKind::Title(_)
                | TerminalEventKind::Bell
                | TerminalEventKind::Exited(_) => {}
            }
        }
    }

    fn handle_control_requests(&mut self, ctx: &egui::Context) {
        let Some(control) = &self.control else { return };
        let pending: Vec<PendingRequest> = control.requests.try_iter().collect();
        for PendingRequest { request, reply } in pending {
            let answer = crate::control::handler::handle(self, request);
            // The client may have given up waiting; nothing to do then.
            let _ignored = reply.send(answer);
            ctx.request_repaint();
        }
    }

    /// Restored panes get their shells once their old screens have been shown: starting 16
    /// processes is work the first frame should not wait for.
    fn start_restored_processes(&mut self, ctx: &egui::Context) {
        self.frames += 1;
        match self.frames {
            1 => ctx.request_repaint(),
            2 => {
                for (pane, error) in self.panes.start_pending() {
                    self.notices.push(Notice::error(format!(
                        "could not start pane {pane}: {error}"
                    )));
                }
            }
            _ => {}
        }
    }

    fn refresh_processes(&mut self) {
        for (_, entry) in self.panes.iter_mut() {
            entry.refresh_process(Duration::from_secs(1));
        }
    }

    /// Focus reports (mode 1004): a pane whose program asked is sent `ESC [ I` when it gains
    /// the focus (focused pane, shown tab, window focused) and `ESC [ O` when it loses it.
    fn report_focus(&mut self, ctx: &egui::Context) {
        let window_focused = ctx.input(|input| input.focused);
        let now = self.focused.filter(|_| window_focused);
        if now == self.focus_reported {
            return;
        }
        let report = |pane: Option<PaneId>, gained: bool| {
            if let Some(entry) = pane.and_then(|pane| self.panes.get(pane))
                && let Some(bytes) = spaces_term::input::encode_focus(gained, entry.input_modes())
            {
                entry.terminal.report(bytes);
            }
        };
        report(self.focus_reported, false);
        report(now, true);
        self.focus_reported = now;
    }

    fn update_window_title(&mut self, ctx: &egui::Context) {
        let workspace = &self.workspaces.active().name;
        let title = match self.focused.and_then(|pane| self.panes.get(pane)) {
            Some(entry) => format!("{} — {workspace} — Spaces", entry.title()),
            None => format!("{workspace} — Spaces"),
        };
        if title != self.window_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }

    pub(crate) fn panes_mut(&mut self) -> &mut Panes {
        &mut self.panes
    }

    /// What the user should see: dismissable notices, and a recording warning that stays
    /// while it lasts.
    fn notices_bar(&mut self, ui: &mut egui::Ui) {
        if self.notices.is_empty()
            && self.recording_problem.is_none()
            && !self.clipboard_requests.is_visible()
        {
            return;
        }
        egui::Panel::bottom("notices").show(ui, |ui| {
            self.clipboard_requests.show(ui, &mut self.clipboard);
            if let Some(problem) = &self.recording_problem {
                ui.colored_label(theme::ERROR, problem);
            }
            let mut dismissed = None;
            for (index, notice) in self.notices.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.colored_label(theme::severity(notice.severity), &notice.text);
                    if ui.small_button("Dismiss").clicked() {
                        dismissed = Some(index);
                    }
                });
            }
            if let Some(index) = dismissed {
                self.notices.remove(index);
            }
        });
    }

    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The clipboard (the system's, or the in-memory one of headless tests).
    pub fn clipboard_mut(&mut self) -> &mut Clipboard {
        &mut self.clipboard
    }

    /// Programs' clipboard writes: the one waiting for the user, and what was said.
    pub fn clipboard_requests(&self) -> &ClipboardRequests {
        &self.clipboard_requests
    }

    pub fn recording_problem(&self) -> Option<&str> {
        self.recording_problem.as_deref()
    }

    pub fn database_path(&self) -> &std::path::Path {
        self.persistence.database_path()
    }

    pub fn saves_to_disk(&self) -> bool {
        self.persistence.saves_to_disk()
    }

    /// Types the restored pane's old command into its new shell (the user asked for it).
    fn rerun_offered_command(&mut self) {
        let Some(entry) = self.focused.and_then(|pane| self.panes.get_mut(pane)) else {
            return;
        };
        if let Some(command) = entry.rerun_offer.take() {
            let mut line = crate::model::record::shell_join(&command).into_bytes();
            line.push(b'\r');
            entry.terminal.write(line);
        }
    }
}

impl eframe::App for SpacesApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        SpacesApp::logic(self, ctx);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save_and_stop_recording();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// A window that ends without `on_exit` (the window system destroyed it and winit panicked,
/// see `main.rs`) still saves: the app is dropped while the panic unwinds.
impl Drop for SpacesApp {
    fn drop(&mut self) {
        if self.stopped_recording {
            return;
        }
        let saved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.save_and_stop_recording();
        }));
        if saved.is_err() {
            tracing::error!("saving while the window ended failed");
        }
    }
}

/// Spawn options every new pane starts from, per the settings.
pub(super) fn base_options(settings: &Settings, config: &AppConfig) -> SpawnOptions {
    SpawnOptions {
        command: config.default_command.clone(),
        // `spaces cli` and the agents' hooks inside a pane reach this window.
        env: vec![(
            "SPACES_HOME".to_owned(),
            config.data_dir.to_string_lossy().into_owned(),
        )],
        scrollback_lines: settings.scrollback_lines,
        snapshot_interval: Some(settings.snapshot_interval()),
        ..SpawnOptions::default()
    }
}
