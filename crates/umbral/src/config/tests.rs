use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn defaults_need_smtp_or_dev() {
    let err = Settings::load(None, &no_env, &Overrides::default()).unwrap_err();
    assert!(err.contains("UMBRAL_SMTP_HOST"), "{err}");
    let s = Settings::load(
        None,
        &no_env,
        &Overrides {
            dev: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.listen, "127.0.0.1:8080");
    assert_eq!(s.database_url, "sqlite://umbral.db");
    // Browsers refuse passkeys for an IP address: the loopback default is named.
    assert_eq!(s.public_url(), "http://localhost:8080");
}

#[test]
fn example_file_parses_and_names_every_setting() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/umbral.example.toml");
    // As shipped, its key is a placeholder that the check refuses, saying what to do.
    let e = Settings::load(Some(&path), &no_env, &Overrides::default()).unwrap_err();
    assert!(
        e.contains("two_factor.encryption_key") && e.contains("openssl rand -base64 32"),
        "{e}"
    );
    let own_key = |k: &str| {
        (k == "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY")
            .then(|| "q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".to_string())
    };
    let s = Settings::load(Some(&path), &own_key, &Overrides::default()).unwrap();
    assert_eq!(s.smtp.host, "smtp.example.com");
    let text = std::fs::read_to_string(&path).unwrap();
    let defaults = Value::try_from(Settings::default()).unwrap();
    let mut keys = BTreeMap::new();
    key_paths(&defaults, "", &mut keys);
    for key in keys.keys() {
        let leaf = key.rsplit('.').next().unwrap();
        assert!(
            text.contains(&format!("{leaf} =")),
            "{key} is missing from the example file"
        );
        assert!(
            text.contains(&env_name(key)),
            "{} is missing from the example file",
            env_name(key)
        );
    }
}

#[test]
fn env_then_flags_win() {
    let env = |k: &str| match k {
        "UMBRAL_LISTEN" => Some("0.0.0.0:9000".to_string()),
        "UMBRAL_DEV" => Some("true".to_string()),
        "UMBRAL_PASSWORDS_T_COST" => Some("3".to_string()),
        "UMBRAL_TRUSTED_PROXIES" => Some("10.0.0.1, 10.0.0.2".to_string()),
        _ => None,
    };
    let s = Settings::load(None, &env, &Overrides::default()).unwrap();
    assert_eq!(
        (s.listen.as_str(), s.passwords.t_cost, s.trusted_proxies.len()),
        ("0.0.0.0:9000", 3, 2)
    );
    let s = Settings::load(
        None,
        &env,
        &Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.listen, "127.0.0.1:1");
}

#[test]
fn bad_values_say_what_to_set() {
    let env = |k: &str| (k == "UMBRAL_PASSWORDS_T_COST").then(|| "lots".to_string());
    let err = Settings::load(
        None,
        &env,
        &Overrides {
            dev: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        err.contains("UMBRAL_PASSWORDS_T_COST") && err.contains("whole number"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("umbral-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.toml");
    std::fs::write(&f, "dev = true\nlisten_address = \"x\"\n").unwrap();
    let err = Settings::load(Some(&f), &no_env, &Overrides::default()).unwrap_err();
    assert!(err.contains("listen_address"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_totp_encryption_key_is_required_outside_dev_and_checked() {
    let env = |k: &str| match k {
        "UMBRAL_SMTP_HOST" => Some("smtp.example.com".to_string()),
        "UMBRAL_SMTP_FROM" => Some("x@example.com".to_string()),
        "UMBRAL_SMS_ENABLED" => Some("false".to_string()),
        _ => None,
    };
    let err = Settings::load(None, &env, &Overrides::default()).unwrap_err();
    assert!(err.contains("UMBRAL_TWO_FACTOR_ENCRYPTION_KEY"), "{err}");
    let short = |k: &str| match k {
        "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY" => Some("c2hvcnQ=".to_string()),
        other => env(other),
    };
    let err = Settings::load(None, &short, &Overrides::default()).unwrap_err();
    assert!(err.contains("32 bytes"), "{err}");
    let good = |k: &str| match k {
        "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY" => {
            Some("q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".to_string())
        }
        "UMBRAL_TWO_FACTOR_POLICY" => Some("optional".to_string()),
        other => env(other),
    };
    let s = Settings::load(None, &good, &Overrides::default()).unwrap();
    assert_eq!(s.two_factor.policy, crate::config::TwoFactorChoice::Optional);
    let bad_policy = |k: &str| match k {
        "UMBRAL_TWO_FACTOR_POLICY" => Some("sometimes".to_string()),
        other => good(other),
    };
    assert!(
        Settings::load(None, &bad_policy, &Overrides::default())
            .unwrap_err()
            .contains("UMBRAL_TWO_FACTOR_POLICY")
    );
}

#[test]
fn sms_needs_a_gateway_outside_dev() {
    let env = |k: &str| match k {
        "UMBRAL_SMTP_HOST" => Some("smtp.example.com".to_string()),
        "UMBRAL_SMTP_FROM" => Some("x@example.com".to_string()),
        "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY" => {
            Some("q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".to_string())
        }
        _ => None,
    };
    let err = Settings::load(None, &env, &Overrides::default()).unwrap_err();
    assert!(
        err.contains("UMBRAL_SMS_GATEWAY") && err.contains("UMBRAL_SMS_ENABLED"),
        "{err}"
    );
    let twilio = |k: &str| match k {
        "UMBRAL_SMS_GATEWAY" => Some("twilio".to_string()),
        other => env(other),
    };
    let err = Settings::load(None, &twilio, &Overrides::default()).unwrap_err();
    assert!(err.contains("UMBRAL_SMS_TWILIO_ACCOUNT_SID"), "{err}");
    let webhook = |k: &str| match k {
        "UMBRAL_SMS_GATEWAY" => Some("webhook".to_string()),
        "UMBRAL_SMS_WEBHOOK_URL" => Some("https://sms.example.com/send".to_string()),
        "UMBRAL_SMS_ALLOWED_COUNTRIES" => Some("AR, BR".to_string()),
        other => env(other),
    };
    let s = Settings::load(None, &webhook, &Overrides::default()).unwrap();
    assert_eq!(s.sms.allowed_countries, vec!["AR", "BR"]);
    let off = |k: &str| match k {
        "UMBRAL_SMS_ENABLED" => Some("false".to_string()),
        other => env(other),
    };
    assert!(Settings::load(None, &off, &Overrides::default()).is_ok());
}

#[test]
fn secrets_are_hidden() {
    let mut s = Settings {
        dev: true,
        ..Default::default()
    };
    s.smtp.password = "hunter2-hunter2".into();
    s.two_factor.encryption_key = "q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".into();
    s.sms.twilio_auth_token = "tw1l10-t0k3n".into();
    s.billing.stripe_secret_key = "sk_test_0123456789".into();
    s.database_url = "postgres://umbral:s3cret@db/umbral".into();
    let t = s.redacted_toml();
    assert!(
        !t.contains("hunter2")
            && !t.contains("s3cret")
            && !t.contains("q3bHnQ0")
            && !t.contains("tw1l10")
            && !t.contains("sk_test"),
        "{t}"
    );
    // Nor in a debug print of the settings (a log line, a panic message).
    let d = format!("{s:?}");
    assert!(
        !d.contains("hunter2") && !d.contains("q3bHnQ0") && !d.contains("tw1l10") && !d.contains("sk_test"),
        "{d}"
    );
}

#[test]
fn published_or_trivial_keys_and_dev_on_a_public_address_are_refused() {
    let with = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    };
    for key in [
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ] {
        let env = move |k: &str| match k {
            "UMBRAL_TWO_FACTOR_ENCRYPTION_KEY" => Some(key.to_string()),
            "UMBRAL_SMTP_HOST" => Some("smtp.example.com".to_string()),
            "UMBRAL_SMTP_FROM" => Some("a@example.com".to_string()),
            "UMBRAL_SMS_ENABLED" => Some("false".to_string()),
            _ => None,
        };
        let e = Settings::load(None, &env, &Overrides::default()).unwrap_err();
        assert!(e.contains("published example"), "{key}: {e}");
    }
    let dev_public = with(&[
        ("UMBRAL_DEV", "true"),
        ("UMBRAL_PUBLIC_URL", "https://id.example.com"),
    ]);
    let e = Settings::load(None, &dev_public, &Overrides::default()).unwrap_err();
    assert!(e.contains("/dev/outbox"), "{e}");
    let allowed = with(&[
        ("UMBRAL_DEV", "true"),
        ("UMBRAL_PUBLIC_URL", "https://id.example.com"),
        ("UMBRAL_DEV_INSECURE_PUBLIC", "true"),
    ]);
    assert!(Settings::load(None, &allowed, &Overrides::default()).is_ok());
}

#[test]
fn identity_providers_come_from_the_file_or_one_variable_and_are_checked() {
    let list = |raw: &'static str| move |k: &str| (k == "UMBRAL_IDENTITY_PROVIDERS").then(|| raw.to_string());
    let dev = Overrides {
        dev: true,
        ..Default::default()
    };
    let s = Settings::load(
        None,
        &list(r#"[{ id = "google", kind = "google", client_id = "c", client_secret = "s" }]"#),
        &dev,
    )
    .unwrap();
    let p = s.identity_providers[0].provider().unwrap();
    assert_eq!(
        (p.name.as_str(), p.issuer.as_str()),
        ("Google", umbral_core::upstream::GOOGLE_ISSUER)
    );
    assert_eq!(p.scopes, ["email", "profile"]);
    assert!(!format!("{p:?}").contains("\"s\""), "the secret never shows");
    let e = Settings::load(None, &list("[{ id = 1 }"), &dev).unwrap_err();
    assert!(e.contains("UMBRAL_IDENTITY_PROVIDERS"), "{e}");
    for (raw, says) in [
        (
            r#"[{ id = "Bad Id", kind = "google", client_id = "c", client_secret = "s" }]"#,
            "lowercase",
        ),
        (
            r#"[{ id = "x", kind = "saml", client_id = "c", client_secret = "s" }]"#,
            "google or oidc",
        ),
        (
            r#"[{ id = "x", kind = "oidc", name = "X", issuer = "http://idp.example", client_id = "c", client_secret = "s" }]"#,
            "https",
        ),
        (
            r#"[{ id = "x", kind = "google", client_id = "c", client_secret = "" }]"#,
            "client_secret",
        ),
        (
            r#"[{ id = "x", kind = "google", client_id = "c", client_secret = "s" }, { id = "x", kind = "google", client_id = "c", client_secret = "s" }]"#,
            "used twice",
        ),
    ] {
        let e = Settings::load(None, &list(raw), &dev).unwrap_err();
        assert!(e.contains(says), "{raw}: {e}");
    }
}
