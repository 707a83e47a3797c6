//! Pages are minijinja templates embedded in the binary; an operator's theme folder may replace
//! any of them (and the CSS or logo, see `static_files`).

use std::path::Path;

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State};
use umbral_core::types::Locale;

use crate::i18n::{self, Arg};

pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("_macros.html", include_str!("../templates/_macros.html")),
    ("signup.html", include_str!("../templates/signup.html")),
    ("company.html", include_str!("../templates/company.html")),
    ("join.html", include_str!("../templates/join.html")),
    (
        "remove_factor.html",
        include_str!("../templates/remove_factor.html"),
    ),
    ("logout.html", include_str!("../templates/logout.html")),
    ("consent.html", include_str!("../templates/consent.html")),
    (
        "staff_clients.html",
        include_str!("../templates/staff_clients.html"),
    ),
    ("checkout.html", include_str!("../templates/checkout.html")),
    ("ready.html", include_str!("../templates/ready.html")),
    (
        "checkout_pending.html",
        include_str!("../templates/checkout_pending.html"),
    ),
    ("first_steps.html", include_str!("../templates/first_steps.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("login_email.html", include_str!("../templates/login_email.html")),
    (
        "login_idp_link.html",
        include_str!("../templates/login_idp_link.html"),
    ),
    ("signup_idp.html", include_str!("../templates/signup_idp.html")),
    ("staff_idps.html", include_str!("../templates/staff_idps.html")),
    ("org_sso.html", include_str!("../templates/org_sso.html")),
    (
        "login_password.html",
        include_str!("../templates/login_password.html"),
    ),
    ("home.html", include_str!("../templates/home.html")),
    ("two_factor.html", include_str!("../templates/two_factor.html")),
    (
        "two_factor_app.html",
        include_str!("../templates/two_factor_app.html"),
    ),
    (
        "recovery_codes.html",
        include_str!("../templates/recovery_codes.html"),
    ),
    ("challenge.html", include_str!("../templates/challenge.html")),
    ("lost.html", include_str!("../templates/lost.html")),
    (
        "organization.html",
        include_str!("../templates/organization.html"),
    ),
    ("staff_home.html", include_str!("../templates/staff_home.html")),
    ("_staff_nav.html", include_str!("../templates/_staff_nav.html")),
    (
        "_client_fields.html",
        include_str!("../templates/_client_fields.html"),
    ),
    (
        "staff_client.html",
        include_str!("../templates/staff_client.html"),
    ),
    ("audit.html", include_str!("../templates/audit.html")),
    (
        "staff_settings.html",
        include_str!("../templates/staff_settings.html"),
    ),
    ("staff_orgs.html", include_str!("../templates/staff_orgs.html")),
    ("staff_org.html", include_str!("../templates/staff_org.html")),
    (
        "staff_new_user.html",
        include_str!("../templates/staff_new_user.html"),
    ),
    ("staff_keys.html", include_str!("../templates/staff_keys.html")),
    ("staff_user.html", include_str!("../templates/staff_user.html")),
    (
        "staff_resets.html",
        include_str!("../templates/staff_resets.html"),
    ),
    ("recover.html", include_str!("../templates/recover.html")),
    (
        "recover_complete.html",
        include_str!("../templates/recover_complete.html"),
    ),
    (
        "reset_confirm.html",
        include_str!("../templates/reset_confirm.html"),
    ),
    (
        "two_factor_sms.html",
        include_str!("../templates/two_factor_sms.html"),
    ),
    (
        "two_factor_sms_code.html",
        include_str!("../templates/two_factor_sms_code.html"),
    ),
    (
        "two_factor_passkey.html",
        include_str!("../templates/two_factor_passkey.html"),
    ),
    ("activate.html", include_str!("../templates/activate.html")),
    ("security.html", include_str!("../templates/security.html")),
    ("terms.html", include_str!("../templates/terms.html")),
    ("outbox.html", include_str!("../templates/outbox.html")),
    ("error.html", include_str!("../templates/error.html")),
];

/// `t("id", name=value, ...)` in a template, in the page's language.
fn translate(state: &State, id: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let locale = state
        .lookup("lang_tag")
        .and_then(|v| v.as_str().and_then(Locale::from_tag))
        .unwrap_or_default();
    let mut owned: Vec<(String, Result<i64, String>)> = Vec::new();
    for key in kwargs.args() {
        let v: Value = kwargs.get(key)?;
        let val = match v.as_i64() {
            Some(n) => Ok(n),
            None => Err(v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())),
        };
        owned.push((key.to_string(), val));
    }
    let args: Vec<(&str, Arg<'_>)> = owned
        .iter()
        .map(|(k, v)| {
            let a = match v {
                Ok(n) => Arg::Num(*n),
                Err(s) => Arg::Str(s.as_str()),
            };
            (k.as_str(), a)
        })
        .collect();
    Ok(i18n::t(locale, id, &args))
}

/// Builds the template environment; `theme_dir` files with the same names take precedence.
pub fn environment(theme_dir: Option<&Path>) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        let themed = theme_dir.map(|d| d.join(name)).filter(|p| p.is_file());
        match themed {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                env.add_template_owned(name.to_string(), text)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            None => env
                .add_template(name, source)
                .map_err(|e| format!("{name}: {e}"))?,
        }
    }
    env.add_function("t", translate);
    Ok(env)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                super::TEMPLATES.iter().any(|(n, _)| *n == name),
                "templates/{name} is not in TEMPLATES"
            );
        }
    }
}
