//! Starts the real Worker under `wrangler dev` on free ports with throw-away
//! state (local D1 migrated and seeded with the demo staff), and stops it —
//! with every process it started — when dropped.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub base: String,
    /// The local SMS gateway + courier stand-in (scripts/standins.mjs).
    pub standins: String,
    pub persist_dir: PathBuf,
    child: Mutex<Child>,
    standins_child: Mutex<Child>,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// The credentials the Worker and the stand-ins share in this run.
pub const TWILIO_ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_AUTH_TOKEN: &str = "e2e-twilio-token";
pub const COURIER_API_KEY: &str = "e2e-courier-key";
pub const COURIER_WEBHOOK_SECRET: &str = "e2e-courier-secret";

/// Starts the stand-ins on a free port and returns the process and its URL.
fn start_standins() -> Result<(Child, String), String> {
    let mut child = Command::new("node")
        .args(["scripts/standins.mjs", "--port", "0"])
        .current_dir(root())
        .env("TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID)
        .env("TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN)
        .env("COURIER_API_KEY", COURIER_API_KEY)
        .env("COURIER_WEBHOOK_SECRET", COURIER_WEBHOOK_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn standins: {e}"))?;
    let stdout = child.stdout.take().ok_or("standins: no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .strip_prefix("standins listening on ")
        .map(str::trim)
        .map(String::from);
    // Keep draining so the stand-in never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    match url {
        Some(url) => Ok((child, url)),
        None => {
            let _ = child.kill();
            Err(format!("standins did not start: {first:?}"))
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

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

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = wrangler_env(cmd)
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Server {
    pub fn start() -> Result<Server, String> {
        let persist_dir =
            std::env::temp_dir().join(format!("pakpos-e2e-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&persist_dir).map_err(|e| e.to_string())?;
        let wrangler = root().join("node_modules/.bin/wrangler");
        let persist = persist_dir.to_string_lossy().to_string();
        run(
            Command::new(&wrangler).args([
                "d1",
                "migrations",
                "apply",
                "DB",
                "--local",
                "--persist-to",
                &persist,
            ]),
            "migrations",
        )?;
        run(
            Command::new("node").args(["scripts/staff.mjs", "seed-demo", "--persist-to", &persist]),
            "seed staff",
        )?;

        let (standins_child, standins) = start_standins()?;
        let port = free_port();
        let inspector = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let vars = [
            format!("PUBLIC_BASE_URL:{base}"),
            format!("TWILIO_API_BASE:{standins}"),
            format!("TWILIO_ACCOUNT_SID:{TWILIO_ACCOUNT_SID}"),
            format!("TWILIO_AUTH_TOKEN:{TWILIO_AUTH_TOKEN}"),
            "TWILIO_FROM:PAKPOS".to_string(),
            format!("COURIER_API_BASE:{standins}"),
            format!("COURIER_API_KEY:{COURIER_API_KEY}"),
            format!("COURIER_WEBHOOK_SECRET:{COURIER_WEBHOOK_SECRET}"),
            // Fast retries, and a relay that takes every unfinished row, so
            // a test can make the queues deliver the same row again.
            "DISPATCH_RETRY_BASE_SECONDS:1".to_string(),
            "DISPATCH_RETRY_MAX_SECONDS:1".to_string(),
            "RELAY_MIN_AGE_SECONDS:0".to_string(),
        ];
        let mut cmd = Command::new(&wrangler);
        cmd.args([
            "dev",
            "--ip",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--inspector-port",
            &inspector.to_string(),
        ])
        .args([
            "--persist-to",
            &persist,
            "--show-interactive-dev-session=false",
            "--log-level",
            "info",
        ])
        .arg("--test-scheduled");
        for var in &vars {
            cmd.args(["--var", var]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = wrangler_env(&mut cmd)
            .spawn()
            .map_err(|e| format!("spawn wrangler dev: {e}"))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut l) = log.lock() {
                        l.push(line);
                    }
                }
            });
        }
        let server = Server {
            base,
            standins,
            persist_dir,
            child: Mutex::new(child),
            standins_child: Mutex::new(standins_child),
            log,
        };
        server.wait_until_healthy(Duration::from_secs(300))?;
        Ok(server)
    }

    fn wait_until_healthy(&self, limit: Duration) -> Result<(), String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .build()
            .into();
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(mut r) = agent.get(format!("{}/health", self.base)).call() {
                if r.body_mut()
                    .read_to_string()
                    .is_ok_and(|b| b.contains("ok"))
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "wrangler dev did not become healthy in {limit:?}:\n{}",
            self.log_tail(40)
        ))
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

    pub fn log_contains(&self, needle: &str) -> bool {
        self.log
            .lock()
            .map(|l| l.iter().any(|line| line.contains(needle)))
            .unwrap_or(false)
    }

    pub fn log_tail(&self, n: usize) -> String {
        let lines = self.log.lock().map(|l| l.clone()).unwrap_or_default();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Runs SQL against the same local D1 the Worker uses, for assertions on
    /// tables the API does not expose (the access log).
    pub fn query(&self, sql: &str) -> Result<serde_json::Value, String> {
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
        Ok(v[0]["results"].clone())
    }
}

impl Server {
    /// Stops wrangler and every process it started (workerd, esbuild) by
    /// ending its process group, then removes the throw-away state.
    pub fn stop(&self) {
        if let Ok(mut standins) = self.standins_child.lock() {
            let _ = standins.kill();
            let _ = standins.wait();
        }
        let Ok(mut child) = self.child.lock() else {
            return;
        };
        // The shell's kill: procps' kill(1) does not reliably take a negative
        // process-group id here.
        let group = child.id();
        let signal = |sig: &str| {
            let _ = Command::new("sh")
                .args(["-c", &format!("kill -s {sig} -- -{group} 2>/dev/null")])
                .status();
        };
        signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("KILL");
        let _ = child.wait();
        if Path::new(&self.persist_dir).starts_with(std::env::temp_dir()) {
            let _ = std::fs::remove_dir_all(&self.persist_dir);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
