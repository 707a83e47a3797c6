//! The audit log as pages: `/staff/audit` (everything) and `/settings/organization/audit` (an
//! organization's owner and admins). Dates are days (UTC); the core reads milliseconds.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use minijinja::context;
use umbral_core::CoreError;
use umbral_core::audit::AuditPage;
use umbral_core::flows::audit_log::AuditQuery;

use super::{FormPage, PageSession, StaffPage};
use crate::AppState;
use crate::extract::Ctx;

const ORDER: &[&str] = &["_form", "event", "user_id", "from", "to"];

/// `YYYY-MM-DD` as Unix milliseconds at the start (or, with `end`, the end) of that day, UTC.
fn day_ms(field: &'static str, v: Option<&String>, end: bool) -> Result<Option<String>, CoreError> {
    let Some(v) = v.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || CoreError::invalid(field, "audit.time_invalid");
    let mut parts = v.splitn(3, '-').map(|p| p.parse::<i32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let day = u8::try_from(d).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, day).map_err(|_| bad())?;
    let start = date.midnight().assume_utc().unix_timestamp() * 1000;
    Ok(Some(
        (if end { start + 86_400_000 - 1 } else { start }).to_string(),
    ))
}

fn query(q: &HashMap<String, String>) -> Result<AuditQuery, CoreError> {
    Ok(AuditQuery {
        user_id: q.get("user_id").cloned(),
        event: q.get("event").cloned(),
        from: day_ms("from", q.get("from"), false)?,
        to: day_ms("to", q.get("to"), true)?,
        cursor: q.get("cursor").cloned(),
        limit: Some("50".into()),
    })
}

fn render(
    state: &AppState,
    ctx: &Ctx,
    base: &str,
    staff: bool,
    q: &HashMap<String, String>,
    page: Result<AuditPage, CoreError>,
) -> Response {
    let form = FormPage::new(state, ctx, "audit.html", ORDER).keep(q, &["event", "user_id", "from", "to"]);
    match page {
        Ok(p) => {
            let mut params: Vec<String> = ["event", "user_id", "from", "to"]
                .iter()
                .filter_map(|k| {
                    q.get(*k)
                        .filter(|v| !v.is_empty())
                        .map(|v| format!("{k}={}", encode(v)))
                })
                .collect();
            let next = p.next_cursor.as_ref().map(|c| {
                params.push(format!("cursor={}", encode(c)));
                format!("{base}?{}", params.join("&"))
            });
            let events: Vec<_> = p
                .events
                .iter()
                .map(|e| context! { at => ctx.time_text(e.at), event => e.event, subject => e.subject_user_id, ip => e.ip, details => e.details })
                .collect();
            form.render(
                StatusCode::OK,
                context! { events => events, next => next, base => base, staff => staff },
            )
        }
        Err(e) => form.error(
            &e,
            context! { events => Vec::<()>::new(), base => base, staff => staff },
        ),
    }
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn staff(
    State(state): State<AppState>,
    ctx: Ctx,
    StaffPage(actor): StaffPage,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let page = match query(&q) {
        Ok(query) => state.umbral.audit_log_for_key(&actor, &query).await,
        Err(e) => Err(e),
    };
    render(&state, &ctx, "/staff/audit", true, &q, page)
}

pub async fn organization(
    State(state): State<AppState>,
    ctx: Ctx,
    PageSession(auth): PageSession,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let page = match query(&q) {
        Ok(query) => state.umbral.audit_log_for_member(&auth, &query).await,
        Err(e) => Err(e),
    };
    if let Err(e @ (CoreError::Forbidden | CoreError::StepRequired(_))) = &page {
        return state.error_page(&ctx, e);
    }
    render(&state, &ctx, "/settings/organization/audit", false, &q, page)
}

/// This module's pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/audit", get(staff))
        .route("/settings/organization/audit", get(organization))
}
