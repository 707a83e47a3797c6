//! Street-level postal code lookups over HTTP (e.g. Brazil's ViaCEP), in front of the imported
//! table: a street-level row of the table answers first; otherwise the HTTP provider is asked for
//! the countries it serves; when it finds nothing, fails or times out, the table's city-level row
//! (or nothing) answers, and the user types the rest.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use umbral_core::company::postal::Address;
use umbral_core::ports::{AddressLookup, LookupError};

/// Where the provider's JSON keeps each part of the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    pub street: String,
    pub neighbourhood: String,
    pub city: String,
    pub state: String,
    /// A field whose presence with a true value means "not found" (ViaCEP's `erro`); empty for
    /// none (then a 404, or an empty city, means not found).
    pub not_found: String,
}

impl FieldMap {
    /// ViaCEP: `https://viacep.com.br/ws/{code}/json/`.
    pub fn viacep() -> Self {
        Self {
            street: "logradouro".into(),
            neighbourhood: "bairro".into(),
            city: "localidade".into(),
            state: "uf".into(),
            not_found: "erro".into(),
        }
    }
}

pub struct HttpAddressLookup {
    client: reqwest::Client,
    /// With `{code}` (normalised) and optionally `{country}`.
    url: String,
    countries: Vec<String>,
    fields: FieldMap,
    table: Arc<dyn AddressLookup>,
}

impl HttpAddressLookup {
    pub fn new(
        url: &str,
        countries: Vec<String>,
        fields: FieldMap,
        timeout: Duration,
        table: Arc<dyn AddressLookup>,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            url: url.to_string(),
            countries,
            fields,
            table,
        })
    }

    async fn ask(&self, country: &str, code: &str) -> Result<Option<Address>, LookupError> {
        let url = self.url.replace("{code}", code).replace("{country}", country);
        let r = self
            .client
            .get(&url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| LookupError(e.to_string()))?;
        if r.status() == reqwest::StatusCode::NOT_FOUND || r.status() == reqwest::StatusCode::BAD_REQUEST {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(LookupError(format!("{} answered {}", url, r.status())));
        }
        let body: Value = r.json().await.map_err(|e| LookupError(e.to_string()))?;
        let f = &self.fields;
        if !f.not_found.is_empty() {
            let flag = &body[&f.not_found];
            if flag == &Value::Bool(true) || flag == &Value::String("true".into()) {
                return Ok(None);
            }
        }
        let get = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(200).collect::<String>())
        };
        let Some(city) = get(&f.city) else {
            return Ok(None);
        };
        Ok(Some(Address {
            street: get(&f.street),
            neighbourhood: get(&f.neighbourhood),
            city,
            state: get(&f.state).unwrap_or_default(),
        }))
    }
}

#[async_trait]
impl AddressLookup for HttpAddressLookup {
    async fn lookup(&self, country: &str, code: &str) -> Result<Option<Address>, LookupError> {
        let table = self.table.lookup(country, code).await;
        if let Ok(Some(a)) = &table
            && a.street.is_some()
        {
            return table;
        }
        if !self.countries.iter().any(|c| c == country) {
            return table;
        }
        match self.ask(country, code).await {
            Ok(Some(a)) => Ok(Some(a)),
            Ok(None) => table,
            Err(e) => match table {
                Ok(Some(a)) => {
                    tracing::warn!(error = %e, country, "postal code provider failed; using the table");
                    Ok(Some(a))
                }
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::Router;
    use axum::extract::Path;
    use axum::routing::get;
    use serde_json::json;
    use umbral_core::ports::NoAddressLookup;

    use super::*;

    /// A ViaCEP-shaped provider: one known CEP, `erro` for others, a slow one.
    async fn provider() -> String {
        let app = Router::new().route(
            "/ws/{code}/json/",
            get(|Path(code): Path<String>| async move {
                match code.as_str() {
                    "01310100" => axum::Json(json!({"cep": "01310-100", "logradouro": "Avenida Paulista",
                        "bairro": "Bela Vista", "localidade": "São Paulo", "uf": "SP"})),
                    "99999999" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        axum::Json(json!({}))
                    }
                    _ => axum::Json(json!({"erro": true})),
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/ws/{{code}}/json/")
    }

    struct CityTable;

    #[async_trait]
    impl AddressLookup for CityTable {
        async fn lookup(&self, _: &str, code: &str) -> Result<Option<Address>, LookupError> {
            Ok((code == "99999999").then(|| Address {
                city: "Somewhere".into(),
                state: "SP".into(),
                ..Address::default()
            }))
        }
    }

    #[tokio::test]
    async fn a_viacep_shaped_provider_fills_the_street_and_times_out_to_the_table() {
        let url = provider().await;
        let lookup = HttpAddressLookup::new(
            &url,
            vec!["BR".into()],
            FieldMap::viacep(),
            Duration::from_millis(500),
            Arc::new(CityTable),
        )
        .unwrap();
        let a = lookup.lookup("BR", "01310100").await.unwrap().unwrap();
        assert_eq!(a.street.as_deref(), Some("Avenida Paulista"));
        assert_eq!(
            (a.neighbourhood.as_deref(), a.city.as_str(), a.state.as_str()),
            (Some("Bela Vista"), "São Paulo", "SP")
        );
        assert_eq!(lookup.lookup("BR", "12345678").await.unwrap(), None, "erro: true");
        let started = std::time::Instant::now();
        let a = lookup.lookup("BR", "99999999").await.unwrap().unwrap();
        assert_eq!(a.city, "Somewhere", "the table's row after the timeout");
        assert!(started.elapsed() < Duration::from_secs(2));
        // Other countries never reach the provider.
        assert_eq!(lookup.lookup("AR", "01310100").await.unwrap(), None);
        // A provider that is down: the table answers, or the error when the table has nothing.
        let down = HttpAddressLookup::new(
            "http://127.0.0.1:9/{code}",
            vec!["BR".into()],
            FieldMap::viacep(),
            Duration::from_millis(500),
            Arc::new(NoAddressLookup),
        )
        .unwrap();
        assert!(down.lookup("BR", "01310100").await.is_err());
    }
}
