//! PAK POS Online: the civil-registration-by-post service of Disdukcapil
//! Kabupaten Wonogiri as one Cloudflare Worker. The layers call one way
//! down: `web` (the route table, request parsing, JSON and HTML responses)
//! → `app` (the use cases, typed in and out, one error type) → `store` (every
//! SQL statement) → `domain` (pure: identifiers, the workflow table, message
//! texts). `dispatch` (queue consumers, the cron relay, the SMS and courier
//! adapters) calls `app` and `store`, never `web`.

pub mod app;
pub mod dispatch;
pub mod domain;
pub mod platform;
pub mod store;
pub mod web;

#[cfg(target_arch = "wasm32")]
mod entry {
    use worker::{
        event, Context, Env, MessageBatch, Request, Result, ScheduleContext, ScheduledEvent,
    };

    #[event(fetch)]
    async fn fetch(req: Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
        crate::web::handle(req, env, &ctx).await
    }

    #[event(queue)]
    async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
        crate::dispatch::consume(batch, env).await;
        Ok(())
    }

    #[event(scheduled)]
    async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
        crate::app::cron::run(&event.cron(), env).await;
    }
}
