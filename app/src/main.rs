//! The `spaces` binary: the window, `spaces cli ...` and `spaces bench ...`.

use clap::Parser as _;
use spaces_app::cli::{Cli, TopCommand};
use spaces_app::{AppConfig, SpacesApp};

/// mimalloc: egui copies every mesh into fresh multi-megabyte buffers each frame, and glibc's
/// allocator faults in new pages for them every time (DESIGN.md, "Terminal rendering").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SPACES_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // `spaces usage | head` closes the pipe early: the reader has what it wanted, and the
    // command ends quietly instead of panicking in `println!` (Rust ignores SIGPIPE).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|message| message.contains("failed printing to stdout"))
        {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    if let Err(error) = run() {
        eprintln!("spaces: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let data_dir = spaces_app::cli::data_dir(&cli);
    match cli.command {
        Some(TopCommand::Cli(control)) => spaces_app::cli::run_control(&data_dir, control.command),
        Some(TopCommand::History {
            pane,
            forget_input: true,
        }) => spaces_app::cli::forget_input(&data_dir, pane),
        Some(TopCommand::History { pane, .. }) => spaces_app::cli::run_history(&data_dir, pane),
        Some(TopCommand::Search(search)) => spaces_app::cli::search::run(&data_dir, &search),
        Some(TopCommand::Sessions(sessions)) => {
            spaces_app::cli::sessions::run(&data_dir, sessions.command)
        }
        Some(TopCommand::Usage(usage)) => spaces_app::cli::usage::run(&data_dir, &usage),
        Some(TopCommand::Workspace(workspace)) => {
            spaces_app::cli::workspace::run(&data_dir, workspace.command)
        }
        Some(TopCommand::Hooks(hooks)) => spaces_app::cli::hooks::run(&data_dir, hooks),
        Some(TopCommand::Bench(bench)) => spaces_app::bench::run(&bench),
        None => open_window(data_dir),
    }
}

fn open_window(data_dir: std::path::PathBuf) -> anyhow::Result<()> {
    // A data directory that cannot be prepared (read-only disk) is not fatal: the window
    // starts, keeps history in memory, and says so.
    match spaces_store::ensure_private_dir(&data_dir) {
        Ok(()) => {}
        // Other users could write there: refused, before anything is opened or changed.
        Err(error @ spaces_store::StoreError::UnsafeDirectory { .. }) => return Err(error.into()),
        Err(error) => {
            tracing::warn!(%error, "data directory {} is not usable", data_dir.display());
        }
    }
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Spaces")
        .with_app_id("spaces")
        .with_inner_size([1280.0, 820.0])
        .with_min_inner_size([320.0, 200.0]);
    // Where the window was when it last closed (or was killed).
    if let Some(state) = spaces_app::model::window_state::WindowState::load(&data_dir) {
        viewport = viewport
            .with_inner_size([state.width, state.height])
            .with_position([state.x, state.y])
            .with_maximized(state.maximized);
    }
    let config = AppConfig {
        quit_on_signals: true,
        ..AppConfig::new(data_dir)
    };
    let options = eframe::NativeOptions {
        viewport,
        // Ctrl+C/V/X belong to the programs in the panes; Spaces copies with Ctrl+Shift+C/V.
        clipboard_shortcuts: false,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let mut startup_error = None;
    // The window system may destroy the window under winit (a window manager's kill, `xdotool
    // windowclose`), and winit then panics on its next X request. The app saves as it is
    // dropped during the unwind, and that ending is reported as what it is, not as a crash.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !window_destroyed(info.payload_as_str()) {
            default_hook(info);
        }
    }));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        eframe::run_native(
            "Spaces",
            options,
            Box::new(|cc| match SpacesApp::new(&cc.egui_ctx, config) {
                Ok(app) => Ok(Box::new(app)),
                Err(error) => {
                    let message = format!("{error:#}");
                    startup_error = Some(message.clone());
                    Err(message.into())
                }
            }),
        )
    }));
    let result = match run {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if window_destroyed(message) {
                eprintln!(
                    "spaces: the window was closed by the window system; everything was saved"
                );
                return Ok(());
            }
            std::panic::resume_unwind(payload);
        }
    };
    if let Some(message) = startup_error {
        anyhow::bail!(message);
    }
    result.map_err(|error| anyhow::anyhow!("the window failed: {error}"))
}

/// Whether a panic is winit's on an X request for a window that no longer exists (X errors
/// BadWindow or BadDrawable).
fn window_destroyed(message: Option<&str>) -> bool {
    message.is_some_and(|message| {
        message.contains("X11Error")
            && (message.contains("error_kind: Drawable") || message.contains("error_kind: Window"))
    })
}
