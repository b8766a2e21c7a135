//! One spelling for each variant of the configuration's enums, shared by the command line, the
//! config files and URL (serde) and the wasm surface: [`named!`] derives them all from one table.

/// For an enum and a table `Variant => "name"`: `name()`, the `NAMES` in order, `Display`,
/// `FromStr` (whose error lists the names), and the `String` conversions serde's `into` and
/// `try_from` use, so that the serialised form is the same name.
macro_rules! named {
    ($type:ident, [$($variant:ident => $name:literal),+ $(,)?]) => {
        impl $type {
            /// Every name, in the order of the variants.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The variant's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                out.write_str(self.name())
            }
        }

        impl std::str::FromStr for $type {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($name => Ok(Self::$variant),)+
                    _ => Err($crate::names::not_one_of(text, Self::NAMES.iter().copied())),
                }
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.name().to_string()
            }
        }

        impl TryFrom<String> for $type {
            type Error = String;

            fn try_from(text: String) -> Result<Self, String> {
                text.parse()
            }
        }
    };
}

pub(crate) use named;

/// The message for a name that is none of `names`.
pub fn not_one_of<'a>(text: &str, names: impl IntoIterator<Item = &'a str>) -> String {
    format!(
        "'{text}' is not one of {}",
        names.into_iter().collect::<Vec<_>>().join(", ")
    )
}
