//! End-to-end tests: the real Worker under `wrangler dev` (workerd, local
//! D1, local queues), driven over real HTTP as the Android app, the staff UI
//! and citizens will drive it. One server for the whole run, throw-away state;
//! every test makes its own applications, so tests run in parallel.

mod api;
mod api_keys;
mod auth;
mod backup;
mod complaints;
mod contract;
mod crash;
mod database;
mod deploy;
mod dispatch;
mod documents;
mod hardening;
mod health;
mod idempotency;
mod inbound;
mod limits;
mod matrix;
mod privacy;
mod products;
mod public;
mod recovery;
mod refusals;
mod resubmit;
mod returns;
mod schemathesis;
mod search;
mod self_print;
mod server;
mod ui;
mod whatsapp;
mod workflow;

use std::sync::{OnceLock, RwLock};

use libtest_mimic::{Arguments, Failed, Trial};

use api::Api;
use server::Server;

pub struct Env {
    pub api: Api,
    /// The SMS gateway + courier stand-in, as a client sees it.
    pub standins: Api,
    pub server: Server,
}

static ENV: OnceLock<Env> = OnceLock::new();

/// Ordinary tests share this gate; a test that opens the database from a
/// second process holds it alone, so nothing else is in flight meanwhile.
static GATE: RwLock<()> = RwLock::new(());

/// Whether the test running now holds the gate alone: only then may it
/// open the database from a second process (`Server::query`), which can
/// lock the Worker's own requests out for a moment.
pub static ALONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub type TestResult = Result<(), String>;

/// A named end-to-end test.
pub type Test = (&'static str, fn(&Env) -> TestResult);

/// The named tests of a module: `tests![a, b]` gives `[("module::a", a), …]`.
#[macro_export]
macro_rules! tests {
    ($($test:ident),* $(,)?) => {
        vec![$((concat!(module_path!(), "::", stringify!($test)), $test as fn(&$crate::Env) -> $crate::TestResult)),*]
    };
}

/// Returns early from a test with a message when a condition fails.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!("{} ({}:{})", format!($($msg)+), file!(), line!()));
        }
    };
}

fn trial(name: &'static str, test: fn(&Env) -> TestResult, alone: bool) -> Trial {
    Trial::test(name, move || {
        let env = ENV
            .get()
            .ok_or_else(|| Failed::from("server not started"))?;
        // A poisoned gate only means another test panicked; carry on.
        if alone {
            let _gate = GATE.write().unwrap_or_else(|e| e.into_inner());
            ALONE.store(true, std::sync::atomic::Ordering::SeqCst);
            let result = test(env).map_err(Failed::from);
            ALONE.store(false, std::sync::atomic::Ordering::SeqCst);
            result
        } else {
            let _gate = GATE.read().unwrap_or_else(|e| e.into_inner());
            test(env).map_err(Failed::from)
        }
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (name, test) in workflow::tests()
        .into_iter()
        .chain(refusals::tests())
        .chain(auth::tests())
        .chain(ui::tests())
        .chain(search::tests())
        .chain(documents::tests())
        .chain(products::tests())
        .chain(self_print::tests())
        .chain(hardening::tests())
        .chain(complaints::tests())
        .chain(public::tests())
        .chain(limits::tests())
        .chain(privacy::tests())
        .chain(contract::tests())
        .chain(matrix::tests())
        .chain(returns::tests())
        .chain(resubmit::tests())
        .chain(resubmit::carry_over::tests())
        .chain(idempotency::tests())
        .chain(inbound::tests())
        .chain(api_keys::tests())
        .chain(whatsapp::tests())
        .chain(health::tests())
    {
        trials.push(trial(name, test, false));
    }
    for (name, test) in dispatch::tests() {
        trials.push(trial(name, test, false));
    }
    for (name, test) in database::tests()
        .into_iter()
        .chain(dispatch::exclusive_tests())
        .chain(deploy::exclusive_tests())
        .chain(health::exclusive_tests())
        .chain(backup::exclusive_tests())
        .chain(recovery::exclusive_tests())
        .chain(auth::exclusive_tests())
        .chain(limits::exclusive_tests())
        .chain(hardening::exclusive_tests())
        .chain(privacy::exclusive_tests())
        .chain(products::exclusive_tests())
        .chain(self_print::exclusive_tests())
        .chain(resubmit::exclusive_tests())
        .chain(whatsapp::exclusive_tests())
        .chain(crash::tests())
        .chain(schemathesis::tests())
    {
        trials.push(trial(name, test, true));
    }

    let listing = args.list;
    if !listing {
        match Server::start() {
            Ok(server) => {
                let api = Api::new(&server.base);
                let standins = Api::new(&server.standins);
                // Tests drive the courier by hand; the gateway reports on its own.
                let control = standins.post("/_control", None, &dispatch::quiet_switches());
                if control.status != 200 {
                    eprintln!("could not configure the stand-ins: {}", control.text);
                    std::process::exit(1);
                }
                let _ = ENV.set(Env {
                    api,
                    standins,
                    server,
                });
            }
            Err(e) => {
                eprintln!("could not start the Worker: {e}");
                std::process::exit(1);
            }
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    if conclusion.has_failed() {
        if let Some(env) = ENV.get() {
            // A 500 in one test may have been logged long before the tail:
            // every internal error (its cause chain may span lines) first,
            // and the whole log in a file.
            let errors = env.server.log_entries("\"error\":\"", 12);
            let shown = &errors[errors.len().saturating_sub(20)..];
            eprintln!(
                "--- the Worker's internal errors ({} in all, last {} shown) ---\n{}",
                errors.len(),
                shown.len(),
                shown.join("\n")
            );
            let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-wrangler.log");
            match std::fs::write(&file, env.server.log_tail(usize::MAX)) {
                Ok(()) => eprintln!("--- the whole log: {} ---", file.display()),
                Err(e) => eprintln!(
                    "--- the whole log could not be written to {}: {e} ---",
                    file.display()
                ),
            }
            eprintln!(
                "--- last lines of wrangler dev ---\n{}",
                env.server.log_tail(60)
            );
        }
    }
    // Statics are never dropped: stop the server explicitly.
    if let Some(env) = ENV.get() {
        env.server.stop();
    }
    conclusion.exit();
}
