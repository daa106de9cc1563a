//! [`coded_enum!`]: the domain's closed sets of codes — statuses, actions,
//! roles, services, channels, … — each written once, variant by variant,
//! with its stable code and its Indonesian label side by side. The macro
//! derives the rest, so a code cannot be spelled two ways:
//!
//! - `code()` and `parse(&str) -> Option<Self>` (the code is what D1 stores
//!   and the API speaks),
//! - `label()`, what citizens and officers read,
//! - `ALL` and `CODES`, every variant and every code in declaration order,
//! - `Display` and serde as the code (unknown codes are refused with serde's
//!   usual "unknown variant" message).
//!
//! A plain `macro_rules!` rather than `strum`: it generates only these few
//! functions, keeps the wasm small and needs no proc-macro.
//!
//! ```ignore
//! coded_enum! {
//!     /// How the finished documents reach the citizen.
//!     pub enum DeliveryMethod {
//!         Pickup = "pickup" => "Diambil di Loket Pengambilan",
//!         Pos = "pos" => "Dikirim PT Pos (COD)",
//!     }
//! }
//! ```
//!
//! Write `parse = other_name;` first when the type needs `parse` for
//! something else (its code parser is then `other_name`).

macro_rules! coded_enum {
    (
        parse = $parse:ident;
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident = $code:literal => $label:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [Self; [$($code),+].len()] = [$(Self::$variant),+];

            /// Every code, in declaration order.
            pub const CODES: [&'static str; [$($code),+].len()] = [$($code),+];

            /// The stable code, as stored in D1 and spoken by the API.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// What people read (Indonesian).
            pub const fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }

            /// The variant with this code; `None` for anything else.
            pub fn $parse(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct CodeVisitor;

                impl ::serde::de::Visitor<'_> for CodeVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a {} code", stringify!($name))
                    }

                    fn visit_str<E: ::serde::de::Error>(self, code: &str) -> Result<$name, E> {
                        $name::$parse(code).ok_or_else(|| E::unknown_variant(code, &$name::CODES))
                    }
                }

                deserializer.deserialize_str(CodeVisitor)
            }
        }
    };
    ($($enum:tt)+) => {
        $crate::domain::coded_enum::coded_enum! { parse = parse; $($enum)+ }
    };
}

pub(crate) use coded_enum;

#[cfg(test)]
mod tests {
    // `coded_enum!` is in scope here by its textual definition above.

    coded_enum! {
        /// A test set.
        #[derive(Hash, PartialOrd, Ord)]
        pub enum Weather {
            /// Documented variants keep their docs.
            Sunny = "sunny" => "Cerah",
            HeavyRain = "heavy_rain" => "Hujan lebat",
        }
    }

    coded_enum! {
        parse = from_code;
        pub enum Renamed {
            One = "one" => "Satu",
        }
    }

    impl Renamed {
        /// The name the macro left free.
        fn parse(field: &str, code: &str) -> Result<Self, String> {
            Self::from_code(code).ok_or_else(|| format!("{field}: {code}?"))
        }
    }

    #[test]
    fn every_code_parses_back_to_its_variant_and_nothing_else_parses() {
        assert_eq!(Weather::ALL, [Weather::Sunny, Weather::HeavyRain]);
        assert_eq!(Weather::CODES, ["sunny", "heavy_rain"]);
        for w in Weather::ALL {
            assert_eq!(Weather::parse(w.code()), Some(w));
        }
        assert_eq!(Weather::parse("Sunny"), None);
        assert_eq!(Weather::parse(""), None);
        assert_eq!(Weather::HeavyRain.label(), "Hujan lebat");
    }

    #[test]
    fn display_and_serde_speak_the_code() {
        assert_eq!(Weather::HeavyRain.to_string(), "heavy_rain");
        let json = serde_json::to_string(&Weather::HeavyRain).unwrap();
        assert_eq!(json, r#""heavy_rain""#);
        let back: Weather = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Weather::HeavyRain);
    }

    #[test]
    fn an_unknown_code_is_refused_with_serdes_unknown_variant_message() {
        let err = serde_json::from_str::<Weather>(r#""hail""#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown variant `hail`, expected `sunny` or `heavy_rain` at line 1 column 6"
        );
        assert!(serde_json::from_str::<Weather>("1").is_err());
    }

    #[test]
    fn a_renamed_code_parser_leaves_parse_to_the_type() {
        assert_eq!(Renamed::from_code("one"), Some(Renamed::One));
        assert_eq!(Renamed::ALL.map(Renamed::label), ["Satu"]);
        assert_eq!(Renamed::parse("f", "two"), Err("f: two?".to_string()));
    }
}
