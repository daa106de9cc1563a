//! schemathesis as an outside judge of the API contract: it reads the
//! document the Worker serves, generates requests for every operation
//! (examples, boundary values, random and stateful sequences, undeclared
//! methods) and checks every answer against the document (`--checks all`).
//! It runs last and alone (its sign-in failures and complaints must not
//! starve other tests), with the administrator's session, a fixed seed and a
//! bounded budget (tests/e2e/schemathesis.toml); the few failures that are not
//! contract breaches are dropped, each with its reason, by
//! tests/e2e/schemathesis_hooks.py. scripts/setup.sh installs it into .venv/.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![schemathesis_finds_no_answer_outside_the_document]
}

/// The whole run's ceiling; it normally takes about a minute.
const LIMIT: Duration = Duration::from_secs(600);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schemathesis_finds_no_answer_outside_the_document(env: &Env) -> TestResult {
    let bin = root().join(".venv/bin/schemathesis");
    ensure!(
        bin.exists(),
        "{} is missing: run scripts/setup.sh",
        bin.display()
    );
    let out_dir = root().join("test-output/schemathesis");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let log_path = out_dir.join("output.txt");
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    // Two sessions: signing out ends the one it is sent with.
    let token = env.api.fresh_token("admin")?;
    let logout_token = env.api.fresh_token("admin")?;
    let url = format!("{}/api/v1/openapi.json", env.api.base);
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .current_dir(root())
        .env("PAKPOS_SCHEMATHESIS_TOKEN", &token)
        .env("PAKPOS_SCHEMATHESIS_LOGOUT_TOKEN", &logout_token)
        .env("NO_COLOR", "1")
        .args(["--config-file", "tests/e2e/schemathesis.toml", "run", &url])
        .args(["--checks", "all", "--no-color"])
        .arg("--report=junit")
        .arg(format!("--report-dir={}", out_dir.display()))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("start {}: {e}", bin.display()))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "schemathesis ran past {LIMIT:?} and was stopped; see {}",
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let mut output = String::new();
    std::fs::File::open(&log_path)
        .and_then(|mut f| f.read_to_string(&mut output))
        .map_err(|e| e.to_string())?;
    let summary = output
        .lines()
        .rev()
        .find(|l| l.starts_with("====") && l.contains(" in "))
        .unwrap_or("(no summary line)")
        .trim_matches(|c| c == '=' || c == ' ')
        .to_string();
    if status.success() {
        eprintln!(
            "schemathesis: {summary} ({:.0?}; output in {})",
            started.elapsed(),
            log_path.display()
        );
        return Ok(());
    }
    // The failures, each with its request as curl, and the summary.
    let report: String = output
        .lines()
        .skip_while(|l| !l.starts_with("____") && !l.starts_with("==="))
        .filter(|l| !l.trim().is_empty())
        .take(300)
        .collect::<Vec<_>>()
        .join("\n");
    Err(format!(
        "schemathesis found answers the document does not describe ({status}, {summary}); \
         full output in {}:\n{report}",
        log_path.display()
    ))
}
