//! Changing the password in Account preferences, Security (`docs/flows/two-factor.md`): the current password
//! first, the same rules as at sign-up for the new one. Every other session ends, trusted devices
//! ask again, and the user is told by email.

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::Verified;
use crate::error::{CoreError, FieldError};
use crate::flows::session::Authenticated;
use crate::outbox::{OutboxMessage, templates};
use crate::ports::AccountStore;
use crate::ports::{CodeStore, FactorStore, SessionStore, ThrottleStore};
use crate::service::Umbral;
use crate::types::{Email, Locale, Password};

/// What a new password must not contain: the email, its local part, the name and its words.
fn personal_inputs(email: &str, name: &str) -> Vec<String> {
    let mut personal = vec![email.trim().to_string(), name.trim().to_string()];
    if let Ok(e) = Email::parse(email) {
        personal.push(e.local_part().to_string());
    }
    personal.extend(name.split_whitespace().map(str::to_string));
    personal
}

impl<S: ?Sized + AccountStore + CodeStore + FactorStore + SessionStore + ThrottleStore> Umbral<S> {
    /// Checks a new password against the policy and the user's own data. The strength estimate
    /// costs milliseconds on long inputs, so it runs on the hashing pool (bounded, admitted by
    /// expected wait), never on the async workers. The outer error is the pool's (overloaded);
    /// the inner one is the field's.
    pub(crate) async fn new_password(
        &self,
        raw: &str,
        email: &str,
        name: &str,
    ) -> Result<Result<Password, FieldError>, CoreError> {
        let personal = personal_inputs(email, name);
        let policy = self.config.password.clone();
        let raw = raw.to_string();
        self.hasher
            .run(move || {
                let inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
                Password::new_checked(&raw, &policy, &inputs)
            })
            .await
    }

    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        let uid = user.id.as_str();
        let mut errors = Vec::new();
        let current = Password::for_sign_in(current)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "current_password",
                    ..e
                })
            })
            .ok();
        let new = self
            .new_password(new, &user.email, &user.name)
            .await?
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(current), Some(new)) = (current, new) else {
            return Err(CoreError::Validation(errors));
        };
        // Wrong current passwords count like wrong codes: a growing delay.
        self.factor_limit(uid).await?;
        match self
            .hasher
            .verify(&current, user.password_hash.as_deref())
            .await?
        {
            Verified::Yes { .. } => {}
            _ => return Err(CoreError::invalid("current_password", "password.current_wrong")),
        }
        let hash = self.hasher.hash(&new).await?;
        let now = self.now();
        let message = OutboxMessage::email(
            now,
            &user.email,
            templates::PASSWORD_CHANGED,
            Locale::from_tag(&user.locale).unwrap_or_default(),
            &[("name", &user.name)],
        )?;
        let audit = AuditEvent::new(now, "password.changed", Some(uid), meta)?;
        self.store
            .change_password(&user.id, &hash, &auth.session.id_hash, now, &message, &audit)
            .await?;
        self.clear_factor_limit(uid).await;
        self.outbox_wakeup.notify_one();
        Ok(())
    }
}
