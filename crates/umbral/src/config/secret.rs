//! A secret setting (a password, a key, a token): read from the file or the environment, never
//! written out. `Debug` and serialization (`umbral check-config`) show `********`, or nothing
//! when unset; the value is reached only through `expose`.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Default)]
pub struct Secret(SecretString);

const HIDDEN: &str = "********";

impl Secret {
    /// The value, for the one place that hands it to what needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    /// The value as the `secrecy` type the gateways take, when set.
    pub fn secret_string(&self) -> Option<SecretString> {
        (!self.is_empty()).then(|| self.0.clone())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(SecretString::from(s))
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_empty() { "\"\"" } else { HIDDEN })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.is_empty() { "" } else { HIDDEN })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(SecretString::from(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown() {
        let s = Secret::from("hunter2-hunter2");
        assert_eq!(format!("{s:?}"), "********");
        assert_eq!(toml::Value::try_from(&s).unwrap().as_str(), Some("********"));
        assert_eq!(s.expose(), "hunter2-hunter2");
        let unset = Secret::default();
        assert_eq!(format!("{unset:?}"), "\"\"");
        assert!(unset.is_empty() && unset.secret_string().is_none());
        let read: Secret = toml::from_str::<toml::Table>("k = \"v4lue\"").unwrap()["k"]
            .clone()
            .try_into()
            .unwrap();
        assert_eq!(read.expose(), "v4lue");
    }
}
