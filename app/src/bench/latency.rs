//! `spaces bench latency`: how long a typed key takes to show on screen, and how long a launch
//! takes to draw its first prompt, in a real window on the X display (`$DISPLAY`, e.g. Xvfb),
//! measured from outside like a person would see it: a key is sent with XTest, then the
//! prompt's row is read back with `GetImage` until its pixels change. When `alacritty` is on
//! `PATH`, the same measurement runs on it in the same run, alternating, with the ratios.
//!
//! Both terminals run the same `bash -l` in a private home whose prompt starts with two cells
//! of a pure magenta background: the first magenta pixels on screen are the first prompt, and
//! their row is where typed keys echo.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat, Window};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use super::render::{percentile, round3};

/// The prompt's marker colour (R, G, B).
const MARKER: [u8; 3] = [255, 0, 255];
/// The size both terminals' windows are given before typing.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 800;
/// Keys typed per round.
const KEYS: usize = 15;
/// Longest wait for one echo, or for a launch.
const GIVE_UP: Duration = Duration::from_secs(10);

/// One terminal's figures over all rounds.
#[derive(Default)]
struct Figures {
    echo_ms: Vec<f64>,
    launch_ms: Vec<f64>,
}

pub fn run(
    rounds: usize,
    background: usize,
    spaces: Option<&Path>,
    json_only: bool,
) -> anyhow::Result<()> {
    if std::env::var_os("DISPLAY").is_none() {
        bail!("`spaces bench latency` drives real windows: it needs a display (run it under Xvfb)");
    }
    let (connection, screen) = x11rb::connect(None).context("connecting to the X display")?;
    let x = X::new(connection, screen)?;
    let root = super::tempfile_dir()?.join("latency");
    let program = match spaces {
        Some(program) => program.to_path_buf(),
        None => std::env::current_exe()?,
    };
    let result = measure(&x, &program, &root, rounds, background, json_only);
    let _ignored = std::fs::remove_dir_all(&root);
    result
}

fn measure(
    x: &X,
    program: &Path,
    root: &Path,
    rounds: usize,
    background: usize,
    json_only: bool,
) -> anyhow::Result<()> {
    let home = root.join("home");
    write_home(&home)?;
    let alacritty = crate::model::sessions::find_on_path("alacritty");
    let mut spaces = Figures::default();
    let mut other = Figures::default();
    for round in 0..rounds {
        let data = root.join(format!("data-{round}"));
        let figures = run_terminal(x, spaces_command(program, &data, &home), |child| {
            start_background(&data, background, child)
        })?;
        report_round(json_only, "spaces", round, &figures);
        spaces.echo_ms.extend(figures.echo_ms);
        spaces.launch_ms.extend(figures.launch_ms);
        if let Some(alacritty) = &alacritty {
            let figures = run_terminal(x, alacritty_command(alacritty, root, &home)?, |_| Ok(()))?;
            report_round(json_only, "alacritty", round, &figures);
            other.echo_ms.extend(figures.echo_ms);
            other.launch_ms.extend(figures.launch_ms);
        }
    }
    let summary = |figures: &mut Figures| {
        json!({
            "median_ms": round3(percentile(&mut figures.echo_ms, 0.5)),
            "p95_ms": round3(percentile(&mut figures.echo_ms, 0.95)),
            "samples": figures.echo_ms.len(),
            "launch_to_prompt_ms": round3(percentile(&mut figures.launch_ms, 0.5)),
        })
    };
    let mut report = json!({
        "background_panes": background,
        "spaces": summary(&mut spaces),
    });
    if alacritty.is_some() {
        let ratio = |ours: f64, theirs: f64| round3(ours / theirs.max(0.001));
        report["alacritty"] = summary(&mut other);
        report["ratio_median"] = json!(ratio(
            percentile(&mut spaces.echo_ms, 0.5),
            percentile(&mut other.echo_ms, 0.5)
        ));
        report["ratio_p95"] = json!(ratio(
            percentile(&mut spaces.echo_ms, 0.95),
            percentile(&mut other.echo_ms, 0.95)
        ));
        report["ratio_launch"] = json!(ratio(
            percentile(&mut spaces.launch_ms, 0.5),
            percentile(&mut other.launch_ms, 0.5)
        ));
    } else if !json_only {
        eprintln!("alacritty is not on PATH: Spaces alone");
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn report_round(json_only: bool, name: &str, round: usize, figures: &Figures) {
    if json_only {
        return;
    }
    let mut echo = figures.echo_ms.clone();
    eprintln!(
        "round {}: {name}: launch {:.1} ms, echo median {:.1} ms (of {})",
        round + 1,
        figures.launch_ms.first().copied().unwrap_or(f64::NAN),
        percentile(&mut echo, 0.5),
        echo.len()
    );
}

/// A home whose `bash -l` prompt starts with the marker.
fn write_home(home: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(home)?;
    let profile = "PS1='\\[\\e[48;2;255;0;255m\\]  \\[\\e[0m\\] $ '\nunset PROMPT_COMMAND\n";
    std::fs::write(home.join(".bash_profile"), profile)?;
    std::fs::write(home.join(".bashrc"), profile)?;
    std::fs::write(home.join(".alacritty.yml"), "")?;
    Ok(())
}

fn spaces_command(program: &Path, data: &Path, home: &Path) -> Command {
    let mut command = Command::new(program);
    command.arg("--data-dir").arg(data);
    prepare(&mut command, home);
    command
}

fn alacritty_command(program: &Path, root: &Path, home: &Path) -> anyhow::Result<Command> {
    let config = root.join("alacritty.yml");
    std::fs::write(&config, "")?;
    let mut command = Command::new(program);
    command
        .arg("--config-file")
        .arg(&config)
        // alacritty sets HOME from the password database: give the shell ours.
        .args(["-e", "/usr/bin/env"])
        .arg(format!("HOME={}", home.display()))
        .args(["/bin/bash", "-l"]);
    prepare(&mut command, home);
    Ok(command)
}

fn prepare(command: &mut Command, home: &Path) {
    command
        .current_dir(home)
        .env("HOME", home)
        .env("SHELL", "/bin/bash")
        .env("WINIT_X11_SCALE_FACTOR", "1")
        // The same plain environment for both: no version-manager shims on PATH that a
        // shell's start-up files might run.
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env_remove("PYENV_ROOT")
        .env_remove("BASH_ENV")
        .env_remove("ENV")
        .env_remove("SPACES_HOME")
        .env_remove("SPACES_PANE_ID")
        .env_remove("PROMPT_COMMAND")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
}

/// Busy panes beside the measured one: splits running a steady printer.
fn start_background(data: &Path, panes: usize, _child: &Child) -> anyhow::Result<()> {
    use crate::control::{Reply, Request, SplitDirection, send_request};
    // The measured pane keeps the left half; the busy ones split the right half among them.
    let mut last = spaces_term::PaneId(1);
    for index in 0..panes {
        let request = Request::Split {
            pane: Some(last),
            direction: if index == 0 || index % 2 == 1 {
                SplitDirection::Right
            } else {
                SplitDirection::Down
            },
            // About 100 lines a second, without starting a process per line (bash's `read -t`
            // on a pipe nobody writes is its sleep).
            command: vec![
                "/bin/bash".into(),
                "-c".into(),
                "exec 3<> <(:); while :; do echo \"busy pane $RANDOM $RANDOM output line\"; read -t 0.01 -u 3; done"
                    .into(),
            ],
            cwd: None,
        };
        if let Reply::Pane(pane) = send_request(data, &request).context("splitting a busy pane")? {
            last = pane;
        }
        // The measured pane keeps the keyboard.
        send_request(
            data,
            &Request::Focus {
                pane: spaces_term::PaneId(1),
            },
        )?;
    }
    Ok(())
}

/// Launches one terminal, waits for its prompt, runs `setup`, then types [`KEYS`] keys.
fn run_terminal(
    x: &X,
    mut command: Command,
    setup: impl FnOnce(&Child) -> anyhow::Result<()>,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let child = command.spawn().context("starting the terminal")?;
    let mut child = Killed(child);
    let pid = child.0.id();
    let window = x.wait_for_window(pid)?;
    x.wait_for_marker(window)?;
    let launch_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Both terminals at one size: a frame's cost grows with the pixels it presents.
    x.resize(window, WIDTH, HEIGHT)?;
    setup(&child.0)?;
    std::thread::sleep(Duration::from_millis(300));
    x.focus(window)?;
    let band = x.wait_for_marker(window)?;
    let mut echo_ms = Vec::new();
    for _ in 0..KEYS {
        std::thread::sleep(Duration::from_millis(120));
        let before = x.image(window, band)?;
        let start = Instant::now();
        x.type_key()?;
        loop {
            if x.image(window, band)? != before {
                echo_ms.push(start.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            if start.elapsed() > GIVE_UP {
                bail!("a typed key did not show within {GIVE_UP:?}");
            }
        }
    }
    child.0.kill().ok();
    Ok(Figures {
        echo_ms,
        launch_ms: vec![launch_ms],
    })
}

/// A child process killed and reaped when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _gone = self.0.kill();
        let _reaped = self.0.wait();
    }
}

/// A rectangle of a window: x, y, width, height.
type Band = (i16, i16, u16, u16);

/// The X connection and what the bench needs of it.
struct X {
    connection: RustConnection,
    root: Window,
    pid_atom: u32,
    key: u8,
}

impl X {
    fn new(connection: RustConnection, screen: usize) -> anyhow::Result<Self> {
        let root = connection
            .setup()
            .roots
            .get(screen)
            .context("no such screen")?
            .root;
        let pid_atom = connection.intern_atom(false, b"_NET_WM_PID")?.reply()?.atom;
        let key = keycode_of(&connection, u32::from(b'a'))?;
        Ok(Self {
            connection,
            root,
            pid_atom,
            key,
        })
    }

    /// The mapped top-level window of process `pid`.
    fn wait_for_window(&self, pid: u32) -> anyhow::Result<Window> {
        let start = Instant::now();
        loop {
            let tree = self.connection.query_tree(self.root)?.reply()?;
            for window in tree.children {
                // A window may be gone by the time it is asked about: skip it.
                let Ok(owner) = self
                    .connection
                    .get_property(
                        false,
                        window,
                        self.pid_atom,
                        xproto::AtomEnum::CARDINAL,
                        0,
                        1,
                    )?
                    .reply()
                else {
                    continue;
                };
                let mapped = self
                    .connection
                    .get_window_attributes(window)?
                    .reply()
                    .is_ok_and(|attributes| attributes.map_state == xproto::MapState::VIEWABLE);
                if mapped && owner.value32().and_then(|mut values| values.next()) == Some(pid) {
                    return Ok(window);
                }
            }
            if start.elapsed() > GIVE_UP {
                bail!("no window of process {pid} within {GIVE_UP:?}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the prompt's marker is drawn; returns the row it is on (the whole width
    /// right of it).
    fn wait_for_marker(&self, window: Window) -> anyhow::Result<Band> {
        let start = Instant::now();
        loop {
            let geometry = self.connection.get_geometry(window)?.reply()?;
            let whole = (0, 0, geometry.width, geometry.height);
            if let Some(band) = marker_band(&self.image(window, whole)?, geometry.width) {
                return Ok(band);
            }
            if start.elapsed() > GIVE_UP {
                bail!("no prompt drawn within {GIVE_UP:?}");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn image(&self, window: Window, (x, y, width, height): Band) -> anyhow::Result<Vec<u8>> {
        Ok(self
            .connection
            .get_image(ImageFormat::Z_PIXMAP, window, x, y, width, height, !0)?
            .reply()?
            .data)
    }

    fn resize(&self, window: Window, width: u32, height: u32) -> anyhow::Result<()> {
        let size = xproto::ConfigureWindowAux::new()
            .width(width)
            .height(height);
        self.connection.configure_window(window, &size)?.check()?;
        Ok(())
    }

    fn focus(&self, window: Window) -> anyhow::Result<()> {
        self.connection
            .set_input_focus(
                xproto::InputFocus::POINTER_ROOT,
                window,
                x11rb::CURRENT_TIME,
            )?
            .check()?;
        Ok(())
    }

    fn type_key(&self) -> anyhow::Result<()> {
        for kind in [xproto::KEY_PRESS_EVENT, xproto::KEY_RELEASE_EVENT] {
            self.connection.xtest_fake_input(
                kind,
                self.key,
                x11rb::CURRENT_TIME,
                self.root,
                0,
                0,
                0,
            )?;
        }
        self.connection.flush()?;
        Ok(())
    }
}

/// The keycode that types `keysym` without modifiers.
fn keycode_of(connection: &RustConnection, keysym: u32) -> anyhow::Result<u8> {
    let setup = connection.setup();
    let (first, last) = (setup.min_keycode, setup.max_keycode);
    let mapping = connection
        .get_keyboard_mapping(first, last - first + 1)?
        .reply()?;
    let per = usize::from(mapping.keysyms_per_keycode).max(1);
    mapping
        .keysyms
        .chunks(per)
        .position(|syms| syms.first() == Some(&keysym))
        .and_then(|index| u8::try_from(index).ok())
        .map(|index| first + index)
        .context("no key types `a`")
}

/// Where the marker is in a 32-bit BGRX image `width` pixels wide: its rows, from its left
/// edge to the right of the image.
fn marker_band(image: &[u8], width: u16) -> Option<Band> {
    let width = usize::from(width);
    let (mut top, mut bottom, mut left) = (usize::MAX, 0, usize::MAX);
    for (index, pixel) in image.chunks_exact(4).enumerate() {
        let [blue, green, red, _] = [pixel[0], pixel[1], pixel[2], pixel[3]];
        let near = |have: u8, want: u8| have.abs_diff(want) <= 8;
        if near(red, MARKER[0]) && near(green, MARKER[1]) && near(blue, MARKER[2]) {
            let (x, y) = (index % width, index / width);
            top = top.min(y);
            bottom = bottom.max(y);
            left = left.min(x);
        }
    }
    (top <= bottom && top != usize::MAX).then(|| {
        let x = i16::try_from(left).unwrap_or(0);
        let y = i16::try_from(top).unwrap_or(0);
        let band_width = u16::try_from(width - left).unwrap_or(u16::MAX);
        let height = u16::try_from(bottom - top + 1).unwrap_or(1);
        (x, y, band_width, height)
    })
}
