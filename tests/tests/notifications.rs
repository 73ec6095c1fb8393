//! End to end: desktop notifications. A private D-Bus session bus with a stand-in
//! notification server (it records `Notify` calls and can "click" one by emitting
//! `ActionInvoked`, as a desktop's notification daemon does). An agent that starts waiting in
//! a pane that is not focused is announced; clicking the notification focuses that pane.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::{Spaces, require_tool, wait_until};

const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";

/// What the stand-in server was asked to show: (id, summary, body).
type Shown = Arc<Mutex<Vec<(u32, String, String)>>>;

struct StandInServer {
    shown: Shown,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl StandInServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self
            .shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = u32::try_from(shown.len()).unwrap_or(u32::MAX) + 1;
        shown.push((id, summary.to_owned(), body.to_owned()));
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".to_owned(), "body".to_owned()]
    }
}

/// A private session bus; killed when dropped.
struct Bus {
    daemon: Child,
    address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _gone = self.daemon.kill();
        let _reaped = self.daemon.wait();
    }
}

fn start_bus() -> Result<Bus> {
    require_tool("dbus-daemon", "dbus-daemon")?;
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting dbus-daemon")?;
    let stdout = daemon.stdout.take().context("dbus-daemon's stdout")?;
    let mut address = String::new();
    BufReader::new(stdout).read_line(&mut address)?;
    let address = address.trim().to_owned();
    ensure!(!address.is_empty(), "dbus-daemon printed no address");
    Ok(Bus { daemon, address })
}

#[test]
fn a_waiting_agent_out_of_view_is_announced_and_the_click_shows_its_pane() -> Result<()> {
    let bus = start_bus()?;
    let shown = Shown::default();
    let server = futures_lite::future::block_on(async {
        zbus::connection::Builder::address(bus.address.as_str())?
            .name(BUS_NAME)?
            .serve_at(
                OBJECT_PATH,
                StandInServer {
                    shown: shown.clone(),
                },
            )?
            .build()
            .await
    })
    .context("serving the stand-in notification server")?;

    let spaces = Spaces::start_with_env(&[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())])?;
    let home = spaces.home();
    let claude = home.join("bin/claude");
    std::fs::create_dir_all(home.join("bin"))?;
    std::fs::write(
        &claude,
        "#!/bin/sh\necho waiting-agent\nwhile :; do sleep 1; done\n",
    )?;
    std::fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;

    let agent = spaces.first_pane()?;
    spaces.wait_for_prompt(agent)?;
    spaces.send_keys(agent, &format!("{}\r", claude.display()))?;
    spaces.wait_for_list("the agent seen in its pane", |panes| {
        panes
            .iter()
            .any(|pane| pane.id == agent && pane.agent.as_deref() == Some("claude"))
    })?;
    // Another pane takes the focus: the agent is out of view.
    let other = spaces.split(agent, "--right")?;
    spaces.cli(&["focus", "--pane", &other.to_string()])?;

    let event = r#"{"hook_event_name":"Notification","session_id":"s-1","cwd":"/"}"#;
    let sent = spaces.cli_output(&[
        "hooks",
        "event",
        "--agent",
        "claude",
        "--pane",
        &agent.to_string(),
        event,
    ])?;
    ensure!(sent.status.success(), "{sent:?}");
    let (id, summary) = wait_until("a notification", Duration::from_secs(10), || {
        let shown = shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(shown.first().map(|(id, summary, _)| (*id, summary.clone())))
    })?;
    ensure!(
        summary.contains("Claude Code is waiting in default"),
        "{summary}"
    );

    // The user clicks it.
    futures_lite::future::block_on(server.emit_signal(
        None::<&str>,
        OBJECT_PATH,
        BUS_NAME,
        "ActionInvoked",
        &(id, "default"),
    ))?;
    spaces.wait_for_list("the agent's pane focused by the click", |panes| {
        panes.iter().any(|pane| pane.id == agent && pane.focused)
    })?;
    Ok(())
}
