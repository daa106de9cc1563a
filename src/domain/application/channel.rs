//! Where an application came in.

use crate::domain::coded_enum::coded_enum;

coded_enum! {
    /// Where the application came in (the seed's step a).
    pub enum Channel {
        /// Typed in by the village operator at the village office.
        Village = "village" => "Operator desa/kelurahan",
        /// The Android app *Telunjuk Sakti*.
        Android = "android" => "Aplikasi Android",
        /// The public web form.
        Web = "web" => "Situs web",
    }
}
