//! Where an application came in.

/// Where the application came in (the seed's step a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Typed in by the village operator at the village office.
    Village,
    /// The Android app *Telunjuk Sakti*.
    Android,
    /// The public web form.
    Web,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Village => "village",
            Channel::Android => "android",
            Channel::Web => "web",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        [Channel::Village, Channel::Android, Channel::Web]
            .into_iter()
            .find(|c| c.code() == code)
    }
}
