//! The consent page of third-party applications (`/oauth2/consent`).

use super::*;

/// "Allow <application> to see ...?" for the request this browser has waiting.
pub(super) async fn consent_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let Ok(_auth) = ctx.session(&state).await else {
        return redirect("/login");
    };
    let Some(continuation) = ctx.authz_cookie.clone() else {
        return redirect("/");
    };
    match state.umbral.consent_view(&continuation).await {
        Ok(Some(v)) => crate::pages::FormPage::new(&state, &ctx, "consent.html", &[]).render(
            StatusCode::OK,
            minijinja::context! {
                client_name => v.client_name,
                scopes => v.scopes.iter().filter(|s| *s != "openid").collect::<Vec<_>>(),
            },
        ),
        Ok(None) => redirect("/"),
        Err(e) => state.error_page(&ctx, &e),
    }
}

/// The person's answer: allow or deny.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    decision: String,
}

pub(super) async fn consent_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::pages::PageSession(auth): crate::pages::PageSession,
    posted: crate::pages::form::Posted<ConsentForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        return redirect("/oauth2/consent");
    };
    let Some(continuation) = ctx.authz_cookie.clone() else {
        return redirect("/");
    };
    let outcome = state
        .umbral
        .answer_consent(&continuation, &auth, f.decision == "allow", &ctx.meta)
        .await;
    match outcome {
        Ok(Some(o)) => answer(&state, &ctx, Some(&auth), Ok(o), true).await,
        Ok(None) => redirect("/"),
        Err(e) => state.error_page(&ctx, &e),
    }
}
