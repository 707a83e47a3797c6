//! Changing the password in Account preferences, Security (product.md 3.6): the current password
//! first, the same rules as at sign-up for the new one. Every other session ends, trusted devices
//! ask again, and the user is told by email.

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::Verified;
use crate::error::{CoreError, FieldError};
use crate::flows::session::Authenticated;
use crate::flows::signup::store_err;
use crate::outbox::{OutboxMessage, templates};
use crate::service::Umbral;
use crate::types::{Email, Locale, Password};

impl Umbral {
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
        meta: &RequestMeta,
    ) -> Result<(), CoreError> {
        let user = auth.complete_user()?;
        let uid = user.id.as_str();
        let mut personal: Vec<&str> = vec![user.email.as_str(), user.name.as_str()];
        let email = Email::parse(&user.email).ok();
        if let Some(e) = &email {
            personal.push(e.local_part());
        }
        personal.extend(user.name.split_whitespace());
        let mut errors = Vec::new();
        let current = Password::for_sign_in(current)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "current_password",
                    ..e
                })
            })
            .ok();
        let new = Password::new_checked(new, &self.config.password, &personal)
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
            .change_password(uid, &hash, &auth.session.id_hash, now, &message, &audit)
            .await
            .map_err(store_err)?;
        self.clear_factor_limit(uid).await;
        self.outbox_wakeup.notify_one();
        Ok(())
    }
}
