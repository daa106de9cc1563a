//! Provider calls with a deadline. A call that outlives its consumer's lease
//! could be answered after another consumer took the row over (a second
//! send), and one hung call would hold the whole batch; so every call to
//! Twilio or the courier is cut off well inside the lease. A call cut off
//! (or broken off by the network) has an *unknown* outcome: the provider may
//! have taken the request, so the row becomes in doubt, never "not sent".

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{AbortController, AbortSignal, Delay};

/// Runs `call` with an abort signal for at most `limit`; on timeout the
/// request is aborted and `None` returned.
pub async fn within<F, Fut, T>(limit: Duration, call: F) -> Option<T>
where
    F: FnOnce(AbortSignal) -> Fut,
    Fut: Future<Output = T>,
{
    let controller = AbortController::default();
    let work = pin!(call(controller.signal()));
    let deadline = pin!(Delay::from(limit));
    match select(work, deadline).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => {
            controller.abort();
            None
        }
    }
}

/// A provider's HTTP answer, read whole inside the deadline.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u32>,
}

/// Sends `request` and reads its answer, both within `limit`. `Err` means
/// no answer (timeout or network): the request may have arrived.
pub async fn fetch(request: worker::Request, limit: Duration) -> Result<Answer, String> {
    let answer = within(limit, |signal| async move {
        let mut response = worker::Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(|e| format!("network: {e}"))?;
        let retry_after = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse().ok());
        let body = response
            .text()
            .await
            .map_err(|e| format!("network (reading the answer): {e}"))?;
        Ok(Answer {
            status: response.status_code(),
            body,
            retry_after,
        })
    })
    .await;
    answer.unwrap_or_else(|| Err(format!("no answer within {} s", limit.as_secs())))
}

/// A GET of `url` with `headers`, answered within `limit` (see [`fetch`]).
pub async fn get(url: &str, headers: worker::Headers, limit: Duration) -> Result<Answer, String> {
    let request = crate::platform::request(url, "GET", &headers, None)
        .map_err(|e| format!("bad URL {url}: {e}"))?;
    fetch(request, limit).await
}
