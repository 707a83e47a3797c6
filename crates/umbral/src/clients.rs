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
        /// Print `{"client_id": ..., "client_secret": ...}`.
        #[arg(long)]
        json: bool,
    },
    /// List the applications (never their secrets).
    List,
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
            json,
        } => {
            let new = umbral_core::oidc::client::NewClient {
                name: name.clone(),
                redirect_uris: redirect_uris.clone(),
                post_logout_redirect_uris: post_logout_redirect_uris.clone(),
                backchannel_logout_uri: backchannel_logout_uri.clone(),
                public: *public,
                third_party: *third_party,
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
                let kind = if c.is_public() { "public" } else { "confidential" };
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
