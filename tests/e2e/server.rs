//! The real Worker under `wrangler dev` on free ports with throw-away state
//! (local D1 migrated and seeded with the demo staff) and the SMS/courier
//! stand-ins, all started by the shared launcher `scripts/stack.mjs`: this
//! runs `node scripts/stack.mjs --json`, reads its one ready line, and keeps
//! its stderr (wrangler's log) for `log_tail`. Stopping closes the launcher's
//! stdin, on which it stops everything it started and removes the state; so
//! does this process dying.
//!
//! A crash test starts its own stack ([`Server::start_with`]) and kills and
//! restarts its Worker ([`Server::kill_worker`], [`Server::restart_worker`]):
//! commands on the launcher's stdin, each answered by a line on its stdout.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub base: String,
    /// The local SMS gateway + courier stand-in (scripts/standins.mjs).
    pub standins: String,
    pub persist_dir: PathBuf,
    /// The launcher's temp dir (state, registry), removed when it stops.
    dir: PathBuf,
    /// The process groups of wrangler and the stand-ins, for a last-resort kill.
    groups: Mutex<Vec<u32>>,
    child: Mutex<Child>,
    stdin: Mutex<Option<ChildStdin>>,
    /// The launcher's answers to commands (lines after the ready line).
    answers: Mutex<Receiver<String>>,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// The credentials the Worker and the stand-ins share in this run: the
/// launcher's `SECRETS` (checked against its ready line at start).
pub const TWILIO_ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_AUTH_TOKEN: &str = "e2e-twilio-token";
pub const COURIER_API_KEY: &str = "e2e-courier-key";
pub const COURIER_WEBHOOK_SECRET: &str = "e2e-courier-secret";

/// How long the launcher may take to stop everything once its stdin closes.
const STOP_LIMIT: Duration = Duration::from_secs(40);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wrangler_env(cmd: &mut Command) -> &mut Command {
    cmd.env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .env("NO_COLOR", "1")
        .current_dir(root())
}

fn tail(log: &Mutex<Vec<String>>, n: usize) -> String {
    let lines = log.lock().map(|l| l.clone()).unwrap_or_default();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Waits for `child` to exit, at most `limit`; whether it did.
fn wait_for(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The shell's kill: procps' kill(1) does not reliably take a negative
/// process-group id here.
fn kill(sig: &str, target: &str) {
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -s {sig} -- {target} 2>/dev/null")])
        .status();
}

impl Server {
    pub fn start() -> Result<Server, String> {
        // `log`: the Worker's own console.log lines too (one per SMS batch,
        // read by the dispatch tests), not only wrangler's.
        // PAKPOS_E2E_BUILD=release runs the suite against the release build
        // (what is deployed) instead of wrangler's dev build.
        let build = std::env::var("PAKPOS_E2E_BUILD").unwrap_or_default();
        if build.is_empty() {
            return Server::start_with("e2e", &["--log-level", "log"]);
        }
        Server::start_with("e2e", &["--log-level", "log", "--build", &build])
    }

    /// A stack named `name` (its temp dir prefix) with further launcher
    /// arguments (`--build none`, `--var NAME=VALUE`, …).
    pub fn start_with(name: &str, args: &[&str]) -> Result<Server, String> {
        let mut child = Command::new("node")
            .args(["scripts/stack.mjs", "--json", "--name", name])
            .args(args)
            .current_dir(root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("spawn node scripts/stack.mjs: {e}"))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().ok_or("stack: no stderr")?;
        let collector = {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Ok(mut l) = log.lock() {
                        l.push(line);
                    }
                }
            })
        };
        let stdout = child.stdout.take().ok_or("stack: no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        // Keep draining: further lines answer commands.
        let (answer_tx, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = answer_tx.send(line);
            }
        });
        let ready: serde_json::Value = match serde_json::from_str::<serde_json::Value>(&first) {
            Ok(v) if v["ready"] == true => v,
            _ => {
                // The launcher explains on stderr, then exits.
                child.stdin = None; // closing it tells the launcher to stop
                if !wait_for(&mut child, STOP_LIMIT) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                let _ = collector.join();
                return Err(format!(
                    "scripts/stack.mjs did not start the stack (its stdout: {first:?}):\n{}",
                    tail(&log, 60)
                ));
            }
        };
        let text = |key: &str| ready[key].as_str().unwrap_or_default().to_string();
        let server = Server {
            base: text("base"),
            standins: text("standins"),
            persist_dir: PathBuf::from(text("persistDir")),
            dir: PathBuf::from(text("dir")),
            groups: Mutex::new(groups(&ready["pids"])),
            stdin: Mutex::new(child.stdin.take()),
            answers: Mutex::new(answers),
            child: Mutex::new(child),
            log,
        };
        for (name, value) in [
            ("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
            ("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
            ("COURIER_API_KEY", COURIER_API_KEY),
            ("COURIER_WEBHOOK_SECRET", COURIER_WEBHOOK_SECRET),
        ] {
            if ready["secrets"][name] != value {
                server.stop();
                return Err(format!(
                    "scripts/stack.mjs SECRETS.{name} is not tests/e2e/server.rs's {name}"
                ));
            }
        }
        if server.base.is_empty() || server.standins.is_empty() {
            server.stop();
            return Err(format!("scripts/stack.mjs: incomplete ready line {first}"));
        }
        Ok(server)
    }

    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .map(|l| {
                l.iter()
                    .filter(|line| line.contains(needle))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Each log line containing `needle` with the lines that continue it
    /// (a multi-line error), at most `most` lines an entry.
    pub fn log_entries(&self, needle: &str, most: usize) -> Vec<String> {
        let lines = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        let starts_entry =
            |l: &str| l.starts_with("[wrangler") || l.contains('✘') || l.contains('▲');
        let mut entries = Vec::new();
        for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.contains(needle)) {
            let rest = lines[i + 1..]
                .iter()
                .take(most.saturating_sub(1))
                .take_while(|l| !starts_entry(l));
            let mut entry = vec![line.clone()];
            entry.extend(rest.cloned());
            entries.push(entry.join("\n"));
        }
        entries
    }

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log
            .lock()
            .map(|l| l.iter().any(|line| line.contains(needle)))
            .unwrap_or(false)
    }

    pub fn log_tail(&self, n: usize) -> String {
        tail(&self.log, n)
    }

    /// Runs SQL against the same local D1 the Worker uses, for assertions on
    /// tables the API does not expose (the access log). A statement the
    /// database refuses (e.g. locked by the Worker's own write for a moment)
    /// is tried again a few times, then fails the test with wrangler's
    /// answer: never silently `null`.
    pub fn query(&self, sql: &str) -> Result<serde_json::Value, String> {
        // A second process on the database file while other tests' requests
        // are in flight turns some of them into 500s: only a test that runs
        // alone may do this.
        if !crate::ALONE.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(format!(
                "query {sql:?}: only a test that runs alone may open the database (see main.rs's GATE)"
            ));
        }
        let mut last = String::new();
        for _ in 0..5 {
            match self.query_once(sql) {
                Ok(rows) => return Ok(rows),
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
        Err(format!("query {sql:?} failed: {last}"))
    }

    fn query_once(&self, sql: &str) -> Result<serde_json::Value, String> {
        let out = wrangler_env(
            Command::new(root().join("node_modules/.bin/wrangler")).args([
                "d1",
                "execute",
                "DB",
                "--local",
                "--json",
                "--persist-to",
                &self.persist_dir.to_string_lossy(),
                "--command",
                sql,
            ]),
        )
        .output()
        .map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stderr)))?;
        let results = &v[0]["results"];
        if !out.status.success() || !results.is_array() {
            return Err(format!(
                "{}: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(results.clone())
    }
}

/// The process groups named in the launcher's `pids`.
fn groups(pids: &serde_json::Value) -> Vec<u32> {
    ["wrangler", "standins"]
        .iter()
        .filter_map(|k| pids[k].as_u64())
        .filter_map(|p| u32::try_from(p).ok())
        .collect()
}

impl Server {
    /// Sends the launcher one command line and waits for its answer.
    fn command(&self, command: &str, limit: Duration) -> Result<serde_json::Value, String> {
        use std::io::Write;
        {
            let mut stdin = self.stdin.lock().map_err(|_| "stack: stdin poisoned")?;
            let pipe = stdin.as_mut().ok_or("stack: already stopped")?;
            writeln!(pipe, "{command}")
                .and_then(|_| pipe.flush())
                .map_err(|e| format!("stack: {command}: {e}"))?;
        }
        let answers = self.answers.lock().map_err(|_| "stack: answers poisoned")?;
        let line = answers
            .recv_timeout(limit)
            .map_err(|e| format!("stack: no answer to {command}: {e}\n{}", self.log_tail(40)))?;
        let answer: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("stack: {command}: {e}: {line}"))?;
        match answer["error"].as_str() {
            Some(error) => Err(format!("stack: {command}: {error}\n{}", self.log_tail(40))),
            None => Ok(answer),
        }
    }

    /// SIGKILLs the Worker's whole process group, as a crash would; the
    /// state and the stand-ins stay.
    pub fn kill_worker(&self) -> Result<(), String> {
        self.command("kill", Duration::from_secs(20)).map(|_| ())
    }

    /// Starts the Worker again on the same port, state and stand-ins, and
    /// waits until it is healthy.
    pub fn restart_worker(&self) -> Result<(), String> {
        let answer = self.command("restart", Duration::from_secs(180))?;
        if let Ok(mut groups) = self.groups.lock() {
            *groups = self::groups(&answer["pids"]);
        }
        Ok(())
    }
}

impl Server {
    /// Closes the launcher's stdin: it stops wrangler's process group
    /// (workerd, esbuild) and the stand-ins, and removes the throw-away
    /// state. Should it not finish in time, it and both groups are killed.
    pub fn stop(&self) {
        if let Ok(mut stdin) = self.stdin.lock() {
            *stdin = None; // closing it tells the launcher to stop
        }
        let Ok(mut child) = self.child.lock() else {
            return;
        };
        if wait_for(&mut child, STOP_LIMIT) {
            return;
        }
        kill("TERM", &child.id().to_string());
        if !wait_for(&mut child, Duration::from_secs(5)) {
            let _ = child.kill();
            let _ = child.wait();
        }
        for group in self.groups.lock().map(|g| g.clone()).unwrap_or_default() {
            kill("KILL", &format!("-{group}"));
        }
        if !self.dir.as_os_str().is_empty()
            && Path::new(&self.dir).starts_with(std::env::temp_dir())
        {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
