//! PAK POS Online: the civil-registration-by-post service of Disdukcapil
//! Kabupaten Wonogiri as one Cloudflare Worker. `domain` is pure and decides;
//! `store` is the only code that speaks SQL; `http` parses requests and
//! renders responses; `dispatch` runs the queue consumers and the cron relay.

pub mod dispatch;
pub mod domain;
pub mod http;
pub mod platform;
pub mod store;
pub mod ui;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{
        event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext,
        ScheduledEvent,
    };

    #[event(fetch)]
    async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
        crate::http::handle(req, env).await
    }

    #[event(queue)]
    async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
        crate::dispatch::consume(batch, env).await;
        Ok(())
    }

    #[event(scheduled)]
    async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
        crate::dispatch::relay(&env).await;
    }
}
