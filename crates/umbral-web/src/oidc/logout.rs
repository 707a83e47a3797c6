//! RP-initiated logout (`/oauth2/logout`).

use super::*;

/// The parameters of a logout request, as the confirmation page posts them back.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LogoutForm {
    id_token_hint: String,
    client_id: String,
    post_logout_redirect_uri: String,
    state: String,
}

const LOGOUT_PARAMS: [&str; 4] = ["id_token_hint", "client_id", "post_logout_redirect_uri", "state"];

pub(super) async fn logout(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let pairs: Vec<(String, String)> = pairs(query.as_deref())
        .into_iter()
        .filter(|(k, _)| LOGOUT_PARAMS.contains(&k.as_str()))
        .collect();
    end_session(&state, &ctx, pairs, false).await
}

pub(super) async fn logout_confirmed(
    State(state): State<AppState>,
    ctx: Ctx,
    posted: crate::pages::form::Posted<LogoutForm>,
) -> Response {
    let Ok(f) = posted.checked() else {
        // The form expired: ask again.
        return end_session(&state, &ctx, Vec::new(), false).await;
    };
    let pairs = [
        ("id_token_hint", f.id_token_hint),
        ("client_id", f.client_id),
        ("post_logout_redirect_uri", f.post_logout_redirect_uri),
        ("state", f.state),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    end_session(&state, &ctx, pairs, true).await
}

/// `confirmed` answers the confirmation form: its way back is a page (see [`leave`]).
pub(super) async fn end_session(
    state: &AppState,
    ctx: &Ctx,
    pairs: Vec<(String, String)>,
    confirmed: bool,
) -> Response {
    use umbral_core::flows::oidc::Logout;
    let auth = ctx.session(state).await.ok();
    match state
        .umbral
        .end_session_request(&pairs, auth.as_ref(), confirmed, &ctx.meta)
        .await
    {
        Ok(Logout::Redirect(to)) => {
            let mut resp = if confirmed { leave(ctx, &to) } else { redirect(&to) };
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Ok(Logout::SignedOut) => {
            let mut resp = redirect("/login?notice=signed_out");
            append_cookie(&mut resp, &state.cookies.clear(state.cookies.session));
            resp
        }
        Ok(Logout::Confirm { client_name }) => crate::pages::FormPage::new(state, ctx, "logout.html", &[])
            .render(
                StatusCode::OK,
                minijinja::context! { client_name => client_name, params => pairs },
            ),
        Ok(Logout::ErrorPage(code)) => error_page(state, ctx, code),
        Err(e) => state.error_page(ctx, &e),
    }
}
