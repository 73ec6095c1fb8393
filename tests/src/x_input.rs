//! Real input and pictures for a Spaces window: xdotool keys, typing and mouse drags, and
//! screenshots with ImageMagick's `import`.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::{START_TIMEOUT, Spaces, require_tool, target_dir, wait_until};

/// The window's position and size on the screen, in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Spaces {
    /// Runs `xdotool` on this display and returns its standard output.
    pub fn xdotool(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", self.display())
            .stdin(Stdio::null())
            .output()
            .context("running xdotool")?;
        if !output.status.success() {
            bail!(
                "`xdotool {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8(output.stdout).context("xdotool output is not UTF-8")
    }

    /// The X window id of this app's window (its title follows the focused pane, so it is
    /// found by process id and window class instead).
    pub fn window(&self) -> anyhow::Result<String> {
        let pid = self.app_pid().context("the app is not running")?;
        wait_until("the Spaces window", START_TIMEOUT, || {
            // Without --sync: our own deadline, and a missing match is not an error.
            let found = self.xdotool(&[
                "search",
                "--all",
                "--pid",
                &pid.to_string(),
                "--class",
                "^spaces$",
            ]);
            Ok(found
                .ok()
                .and_then(|ids| ids.lines().next().map(str::to_owned)))
        })
    }

    /// Gives the window the keyboard focus (there is no window manager to activate it).
    pub fn focus_window(&self) -> anyhow::Result<()> {
        let window = self.window()?;
        self.xdotool(&["windowfocus", "--sync", &window]).map(drop)
    }

    /// Types `text` into the focused window as real key events.
    pub fn type_text(&self, text: &str) -> anyhow::Result<()> {
        self.focus_window()?;
        self.xdotool(&["type", "--delay", "20", "--", text])
            .map(drop)
    }

    /// Presses keys (xdotool names, e.g. `Return`, `ctrl+c`) in the focused window.
    pub fn key(&self, keys: &[&str]) -> anyhow::Result<()> {
        self.focus_window()?;
        let mut args = vec!["key", "--delay", "30"];
        args.extend_from_slice(keys);
        self.xdotool(&args).map(drop)
    }

    /// The window's geometry on the screen.
    pub fn geometry(&self) -> anyhow::Result<Geometry> {
        let window = self.window()?;
        let text = self.xdotool(&["getwindowgeometry", "--shell", &window])?;
        let field = |name: &str| -> anyhow::Result<i32> {
            text.lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .with_context(|| format!("{name} missing in {text:?}"))?
                .trim()
                .parse()
                .with_context(|| format!("bad {name} in {text:?}"))
        };
        Ok(Geometry {
            x: field("X")?,
            y: field("Y")?,
            width: field("WIDTH")?,
            height: field("HEIGHT")?,
        })
    }

    /// Drags with the left button from `from` to `to` (screen pixels), in small steps so egui
    /// sees a drag rather than a click.
    pub fn drag(&self, from: (i32, i32), to: (i32, i32)) -> anyhow::Result<()> {
        const STEPS: i32 = 12;
        // Input pacing, not a wait: egui needs frames between events to notice a drag.
        let pace = || std::thread::sleep(Duration::from_millis(60));
        self.xdotool(&["mousemove", &from.0.to_string(), &from.1.to_string()])?;
        pace();
        self.xdotool(&["mousedown", "1"])?;
        for step in 1..=STEPS {
            pace();
            let x = from.0 + (to.0 - from.0) * step / STEPS;
            let y = from.1 + (to.1 - from.1) * step / STEPS;
            self.xdotool(&["mousemove", &x.to_string(), &y.to_string()])?;
        }
        pace();
        self.xdotool(&["mouseup", "1"]).map(drop)
    }

    /// Saves a picture of the whole screen as `<target>/e2e-shots/<name>.png` and prints its path.
    pub fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        require_tool("import", "imagemagick")?;
        let dir = target_dir().join("e2e-shots");
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .env("DISPLAY", self.display())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .context("running import")?;
        if !status.success() {
            bail!("`import -window root {}` failed ({status})", path.display());
        }
        println!("screenshot: {}", path.display());
        Ok(path)
    }
}
