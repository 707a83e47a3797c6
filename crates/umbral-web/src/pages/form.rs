//! Posted page forms. Every form handler takes a `Posted<T>`: the body parsed into the form's
//! own struct, whose fields are reachable only through `checked()`, and only when the form's
//! CSRF token matches this browser's cookie. A new form cannot forget the check: without it, it
//! has nothing to act on. (The same-origin middleware stays as the second wall.)

use std::collections::HashMap;

use axum::Form;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::de::value::MapDeserializer;

use crate::AppState;
use crate::cookies;

/// A submitted form of type `T` (a struct of `String` fields, `#[serde(default)]`: a missing
/// field is empty, as the rules that judge it expect).
pub struct Posted<T> {
    fields: T,
    typed: HashMap<String, String>,
    token_ok: bool,
}

/// The form's CSRF token did not match: the page says the form expired, showing back what was
/// typed (kept here).
#[derive(Debug, Clone)]
pub struct Expired(pub HashMap<String, String>);

impl<T> Posted<T> {
    /// The form's fields, once its token matched this browser's.
    pub fn checked(self) -> Result<T, Expired> {
        if self.token_ok {
            Ok(self.fields)
        } else {
            Err(Expired(self.typed))
        }
    }

    /// What the person typed, by field name, to show back to them on the page (never to act
    /// on: that is what `checked` is for).
    pub fn typed(&self) -> &HashMap<String, String> {
        &self.typed
    }
}

/// Whether a submitted token matches the browser's CSRF cookie (compared in constant time).
pub fn token_matches(cookie: Option<&str>, submitted: Option<&str>) -> bool {
    match (cookie, submitted) {
        (Some(c), Some(s)) => !c.is_empty() && umbral_core::secrets::ct_eq(c, s),
        _ => false,
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let cookie = cookies::get(req.headers(), state.cookies.csrf).map(str::to_string);
        let Form(typed) = Form::<HashMap<String, String>>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token_ok = token_matches(cookie.as_deref(), typed.get("csrf_token").map(String::as_str));
        let pairs = typed.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let fields = T::deserialize(MapDeserializer::<_, serde::de::value::Error>::new(pairs))
            .map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e.to_string()).into_response())?;
        Ok(Self {
            fields,
            typed,
            token_ok,
        })
    }
}

/// A form with no field but its token (buttons such as "Sign out" or "Skip").
#[derive(Debug, Default, serde::Deserialize)]
pub struct NoFields {}

/// A form that asks for an email address (the sign-in's first step, "Forgot your password?").
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
}

/// A form that asks for one code (email, SMS, authenticator app, recovery code).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CodeForm {
    pub code: String,
}

/// For an `Option<String>` field of a form struct (with `#[serde(default)]`): `None` when the
/// form has no such field, the text (empty included) when it has.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    <String as serde::Deserialize>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default)]
    struct Two {
        a: String,
        b: String,
    }

    fn posted(pairs: &[(&str, &str)], cookie: Option<&str>) -> Posted<Two> {
        let typed: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let token_ok = token_matches(cookie, typed.get("csrf_token").map(String::as_str));
        let fields = Two::deserialize(MapDeserializer::<_, serde::de::value::Error>::new(
            typed.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ))
        .unwrap();
        Posted {
            fields,
            typed,
            token_ok,
        }
    }

    #[test]
    fn fields_only_with_the_matching_token() {
        let ok = posted(&[("a", "1"), ("csrf_token", "t0k3n")], Some("t0k3n"));
        let f = ok.checked().unwrap();
        assert_eq!(
            (f.a.as_str(), f.b.as_str()),
            ("1", ""),
            "a missing field is empty"
        );
        for (pairs, cookie) in [
            (&[("a", "1"), ("csrf_token", "other")][..], Some("t0k3n")),
            (&[("a", "1")][..], Some("t0k3n")),
            (&[("a", "1"), ("csrf_token", "")][..], Some("")),
            (&[("a", "1"), ("csrf_token", "t0k3n")][..], None),
        ] {
            let p = posted(pairs, cookie);
            assert_eq!(p.typed()["a"], "1", "what was typed is kept for the page");
            assert!(p.checked().is_err());
        }
    }
}
