//! Deploying (issue 13): the smoke test a deploy ends with
//! (`scripts/smoke.sh`), run against the suite's own stack, passes with its
//! submission read back, and fails — saying which check — against something
//! that is not PAK POS (the stand-ins' server) or on a bad argument.

use std::path::PathBuf;
use std::process::Command;

use crate::{ensure, Env, TestResult};

/// The smoke test submits through the public API from an address of its
/// own (none), so it runs alone: it must not use up another test's limits.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![the_smoke_test_passes_on_the_stack_and_fails_on_anything_else]
}

fn smoke(args: &[&str]) -> Result<(i32, String), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(root.join("scripts/smoke.sh"))
        .args(args)
        .current_dir(&root)
        .output()
        .map_err(|e| format!("scripts/smoke.sh: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok((out.status.code().unwrap_or(-1), text))
}

fn the_smoke_test_passes_on_the_stack_and_fails_on_anything_else(env: &Env) -> TestResult {
    // An address of its own (TEST-NET-2), so no other test's limits count.
    let address = format!("198.51.100.{}", 1 + crate::workflow::seed() % 250);
    let (code, text) = smoke(&[&env.server.base, "--write", "--address", &address])?;
    ensure!(code == 0, "smoke against the stack: exit {code}\n{text}");
    for line in [
        "ok    GET /health",
        "ok    GET /api/v1/openapi.json",
        "ok    POST /api/v1/applications",
        "ok    POST /api/v1/applications/{number}/status: submitted",
        "smoke test passed",
    ] {
        ensure!(text.contains(line), "{line:?} missing:\n{text}");
    }
    // The application it made is real: the front office sees it waiting.
    let number = text
        .lines()
        .find_map(|l| l.strip_prefix("ok    POST /api/v1/applications: "))
        .unwrap_or_default()
        .to_string();
    let read = env.api.read("admin", &number)?;
    ensure!(
        read.status == 200 && read.body["status"] == "submitted",
        "the smoke test's application {number:?}: {} {}",
        read.status,
        read.text
    );
    // Its SMS (the submission's only messages) settle before the next test: a test that runs alone after
    // this one must not find them still on their way.
    crate::dispatch::wait_for(
        "the smoke test's messages to settle",
        std::time::Duration::from_secs(30),
        || {
            let read = env.api.read("admin", &number)?;
            let messages = read.body["messages"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let open = messages.iter().filter(|m| m["channel"] == "sms").any(|m| {
                matches!(
                    m["status"].as_str(),
                    Some("pending" | "sending" | "retrying" | "accepted" | "sent")
                )
            });
            Ok((!messages.is_empty() && !open).then_some(()))
        },
    )?;
    let (code, text) = smoke(&[&env.server.standins])?;
    ensure!(
        code == 1 && text.contains("FAIL  GET /health") && text.contains("smoke test FAILED"),
        "smoke against the stand-ins: exit {code}\n{text}"
    );
    let (code, text) = smoke(&["not a url"])?;
    ensure!(
        code == 2 && text.contains("usage:"),
        "bad argument: exit {code}\n{text}"
    );
    let (code, text) = smoke(&[&env.server.base, "--address", "x;y"])?;
    ensure!(
        code == 2 && text.contains("usage:"),
        "bad argument: exit {code}\n{text}"
    );
    Ok(())
}
