//! PAK POS Online: the civil-registration-by-post service of Disdukcapil
//! Kabupaten Wonogiri as one Cloudflare Worker. `domain` is pure and decides;
//! `store` is the only code that speaks SQL; `http` parses requests and
//! renders responses; `dispatch` runs the queue consumers and the cron relay.

pub mod domain;
