//! `umbral client`: the applications that sign people in through Umbral.

use clap::Subcommand;
use umbral_core::staff::ApiActor;

use crate::{Cli, admin, cli_meta, words};

#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Register an application; a confidential one's secret is printed once.
    Create {
        /// The application's name, shown to people.
        #[arg(long)]
        name: String,
        /// Where codes may be sent back (exact match); repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where the browser may go after signing out; repeat for several.
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// Where back-channel logout tokens are posted.
        #[arg(long)]
        backchannel_logout_uri: Option<String>,
        /// A browser or native application that cannot keep a secret (it must use PKCE).
        #[arg(long)]
        public: bool,
        /// An application of someone else: people are asked to consent.
        #[arg(long)]
        third_party: bool,
        /// How its ID tokens are signed: RS256 (default), ES256 or EdDSA.
        #[arg(long, default_value = "RS256")]
        id_token_alg: String,
        /// `private_key_jwt` instead of a secret: a file holding the application's public keys
        /// (a JWKS)...
        #[arg(long)]
        jwks_file: Option<std::path::PathBuf>,
        /// ... or the address to read them from.
        #[arg(long)]
        jwks_uri: Option<String>,
        /// Print `{"client_id": ..., "client_secret": ...}`.
        #[arg(long)]
        json: bool,
    },
    /// List the applications (never their secrets).
    List,
}

/// `umbral keys`: the keys that sign tokens.
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Make a new key per algorithm: published now, signing after one JWKS cache lifetime
    /// (`oidc.jwks_max_age_minutes`), when the key it replaces stops.
    Rotate,
    /// The keys, with when each signs and stops.
    List,
}

pub async fn run_keys(cli: &Cli, cmd: &KeysCommand) -> Result<(), String> {
    admin(cli, async |u| {
        let keys = match cmd {
            KeysCommand::Rotate => u.rotate_keys(false).await,
            KeysCommand::List => u.key_list().await,
        }
        .map_err(|e| words(&e))?;
        let when = |ms: i64| {
            jiff::Timestamp::from_millisecond(ms)
                .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
                .unwrap_or_default()
        };
        println!("kid\talg\tsigns from\tstops signing");
        for k in keys {
            println!(
                "{}\t{}\t{}\t{}",
                k.kid,
                k.alg.as_str(),
                when(k.active_from),
                k.retire_at.map(when).unwrap_or_else(|| "-".into())
            );
        }
        Ok(())
    })
    .await
}

pub async fn run(cli: &Cli, cmd: &ClientCommand) -> Result<(), String> {
    admin(cli, async |u| match cmd {
        ClientCommand::Create {
            name,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            public,
            third_party,
            id_token_alg,
            jwks_file,
            jwks_uri,
            json,
        } => {
            let jwks = match jwks_file {
                Some(f) => Some(
                    std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?,
                ),
                None => None,
            };
            let new = umbral_core::oidc::client::NewClient {
                name: name.clone(),
                redirect_uris: redirect_uris.clone(),
                post_logout_redirect_uris: post_logout_redirect_uris.clone(),
                backchannel_logout_uri: backchannel_logout_uri.clone(),
                public: *public,
                third_party: *third_party,
                id_token_alg: umbral_core::oidc::keys::KeyAlg::parse(id_token_alg)
                    .ok_or("--id-token-alg must be RS256, ES256 or EdDSA")?,
                jwks,
                jwks_uri: jwks_uri.clone(),
            };
            let r = u
                .register_client(&ApiActor::command_line(), &new, &cli_meta())
                .await
                .map_err(|e| words(&e))?;
            if *json {
                let mut out = serde_json::json!({"client_id": r.client.id});
                if let Some(s) = &r.secret {
                    out["client_secret"] = serde_json::json!(s);
                }
                println!("{out}");
            } else {
                println!("client_id: {}", r.client.id);
                if let Some(s) = &r.secret {
                    println!("client_secret: {s}");
                    eprintln!("Keep the secret now: it is not shown again.");
                }
            }
            Ok(())
        }
        ClientCommand::List => {
            for c in u
                .oidc_clients(&ApiActor::command_line())
                .await
                .map_err(|e| words(&e))?
            {
                let kind = c.auth_method();
                let state = if c.is_active() { "active" } else { "disabled" };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.id,
                    kind,
                    state,
                    c.name,
                    c.redirect_uris.join(" ")
                );
            }
            Ok(())
        }
    })
    .await
}
