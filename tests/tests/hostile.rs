//! End-to-end tests of hostile output and hostile neighbours: each reproduces an attack on the
//! real binary (the landed build before these fixes failed every one) and checks that the
//! window stays alive, keeps its memory and database small, and keeps what it must.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use spaces_e2e::{Spaces, spaces_bin};

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .context("VmRSS")?;
    Ok(kib / 1024)
}

/// Threads of a process.
fn threads(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|rest| rest.trim().parse().ok())
        .context("Threads")
}

/// Bytes the database and its WAL take.
fn database_bytes(spaces: &Spaces) -> u64 {
    ["spaces.db", "spaces.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(spaces.data_dir().join(name)).ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// `ESC ] 2 ; <megabytes of x> BEL` from the focused pane: a 17 MB title used to panic the
/// window in winit; a 200 MB one grew it to 1.9 GB and wrote the title into the database.
#[test]
fn enormous_titles_leave_the_window_alive_and_the_database_small() -> Result<()> {
    let mut spaces = Spaces::start()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    let pid = spaces.app_pid().context("pid")?;
    for megabytes in [17, 200] {
        let marker = format!("title-done-{megabytes}");
        spaces.run_command(
            pane,
            &format!(
                "printf '\\033]2;'; head -c {megabytes}000000 /dev/zero | tr '\\0' x; printf '\\007'; echo {marker}"
            ),
        )?;
        spaces.wait_for_line(pane, &marker)?;
        // The window has taken the title (frames drawn, records saved) and lives on.
        std::thread::sleep(Duration::from_millis(1500));
        spaces.check_alive()?;
        let started = Instant::now();
        let info = spaces.pane(pane)?;
        let listed_in = started.elapsed();
        ensure!(
            info.title.len() <= 4096,
            "the title is capped: {} bytes",
            info.title.len()
        );
        ensure!(
            listed_in < Duration::from_secs(2),
            "`cli list` took {listed_in:?}"
        );
        let rss = rss_mib(pid)?;
        ensure!(
            rss < 700,
            "the window holds {rss} MiB after a {megabytes} MB title"
        );
    }
    spaces.run_command(pane, "echo still-$((6*7))")?;
    spaces.wait_for_line(pane, "still-42")?;
    let bytes = database_bytes(&spaces);
    ensure!(
        bytes < 40 * 1024 * 1024,
        "the database and WAL take {bytes} bytes"
    );
    Ok(())
}

/// `--data-dir` naming a directory other users can write (mode 1777, like /tmp) is refused
/// with a message, and its mode is left as it was.
#[test]
fn a_shared_data_directory_is_refused_and_left_alone() -> Result<()> {
    let root = tempfile::tempdir()?;
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared)?;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777))?;
    let output = Command::new(spaces_bin()?)
        .arg("--data-dir")
        .arg(&shared)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(!output.status.success(), "the window must not start");
    ensure!(
        stderr.contains("writable by other users"),
        "a clear message: {stderr}"
    );
    let mode = std::fs::metadata(&shared)?.permissions().mode() & 0o7777;
    ensure!(mode == 0o1777, "the mode is untouched: {mode:o}");
    ensure!(
        std::fs::read_dir(&shared)?.next().is_none(),
        "nothing was written there"
    );
    Ok(())
}

/// 200 connections that send nothing, then 60 requests of 16 MB with no newline: the window
/// keeps its thread count and memory bounded, drops the idle ones, and answers again.
#[test]
fn the_control_socket_bounds_idle_and_oversized_clients() -> Result<()> {
    let spaces = Spaces::start()?;
    let pane = spaces.first_pane()?;
    spaces.wait_for_prompt(pane)?;
    let pid = spaces.app_pid().context("pid")?;
    let socket = spaces.data_dir().join("spaces.sock");
    let threads_before = threads(pid)?;
    let rss_before = rss_mib(pid)?;

    let idle: Vec<UnixStream> = (0..200)
        .filter_map(|_| UnixStream::connect(&socket).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let threads_idle = threads(pid)?;
    ensure!(
        threads_idle <= threads_before + 64 + 2,
        "{threads_idle} threads with 200 idle clients (before: {threads_before})"
    );
    // Idle clients are dropped after 5 s; then the window answers again.
    std::thread::sleep(Duration::from_secs(7));
    let threads_after = threads(pid)?;
    ensure!(
        threads_after <= threads_before + 2,
        "idle clients were not dropped: {threads_after} threads (before: {threads_before})"
    );
    drop(idle);
    spaces.list()?;

    let garbage = vec![b'x'; 16 * 1024 * 1024];
    let writers: Vec<_> = (0..60)
        .map(|_| {
            let socket = socket.clone();
            let garbage = garbage.clone();
            std::thread::spawn(move || {
                if let Ok(mut stream) = UnixStream::connect(&socket) {
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                    let _ = stream.write_all(&garbage);
                }
            })
        })
        .collect();
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while writers.iter().any(|writer| !writer.is_finished()) && Instant::now() < deadline {
        peak = peak.max(rss_mib(pid)?);
        std::thread::sleep(Duration::from_millis(100));
    }
    for writer in writers {
        let _ = writer.join();
    }
    peak = peak.max(rss_mib(pid)?);
    ensure!(
        peak < rss_before + 150,
        "60 oversized requests took the window from {rss_before} MiB to {peak} MiB"
    );
    std::thread::sleep(Duration::from_secs(6));
    spaces.list()?;
    spaces.run_command(pane, "echo alive-$((6*7))")?;
    spaces.wait_for_line(pane, "alive-42")?;
    Ok(())
}
