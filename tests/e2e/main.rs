//! End-to-end tests: the real Worker under `wrangler dev` (workerd, local
//! D1, local queues), driven over real HTTP as the Android app, the staff UI
//! and citizens will drive it. One server for the whole run, throw-away state;
//! every test makes its own applications, so tests run in parallel.

mod api;
mod auth;
mod refusals;
mod server;
mod workflow;

use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};

use api::Api;
use server::Server;

pub struct Env {
    pub api: Api,
    pub server: Server,
}

static ENV: OnceLock<Env> = OnceLock::new();

pub type TestResult = Result<(), String>;

/// A named end-to-end test.
pub type Test = (&'static str, fn(&Env) -> TestResult);

/// Returns early from a test with a message when a condition fails.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!("{} ({}:{})", format!($($msg)+), file!(), line!()));
        }
    };
}

fn trial(name: &'static str, test: fn(&Env) -> TestResult) -> Trial {
    Trial::test(name, move || {
        let env = ENV
            .get()
            .ok_or_else(|| Failed::from("server not started"))?;
        test(env).map_err(Failed::from)
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    trials.extend(workflow::tests().into_iter().map(|(n, t)| trial(n, t)));
    trials.extend(refusals::tests().into_iter().map(|(n, t)| trial(n, t)));
    trials.extend(auth::tests().into_iter().map(|(n, t)| trial(n, t)));

    let listing = args.list;
    if !listing {
        match Server::start() {
            Ok(server) => {
                let api = Api::new(&server.base);
                let _ = ENV.set(Env { api, server });
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
