//! The sign-up steps after 2FA through the API: company data rules, the sandbox's cards and
//! idempotency, and Stripe Checkout against a local stub of Stripe's API with signed webhooks.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use umbral_testkit::umbral_gateways::stripe::sign;
use umbral_testkit::{TestApp, spawn_app, spawn_app_with};

/// Signed up, 2FA set up, at the company step.
async fn at_company(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.confirmed(email).await;
    app.enroll_totp(&c, email).await;
    assert_eq!(app.next_step(&c, None).await, "company");
    c
}

fn card(number: &str) -> Value {
    json!({"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"})
}

#[tokio::test]
async fn company_rules_then_sandbox_payment_once() {
    let app = spawn_app().await;
    let c = at_company(&app, "co@example.com").await;
    // Nothing else opens before the company data.
    let (s, b) = app
        .post_json(
            &c,
            app.url("/api/v1/checkout"),
            json!({"plan": "starter", "period": "month"}),
        )
        .await;
    assert_eq!((s, b["error"]["next"].as_str()), (403, Some("company")));

    // Every bad field is named, and nothing is saved.
    let mut bad = TestApp::company_body();
    bad["tax_id"] = json!("33-69345023-8");
    bad["employees"] = json!("12");
    bad["postal_code"] = json!("99");
    let (s, b) = app
        .post_json(&c, app.url("/api/v1/onboarding/company?lang=es"), bad)
        .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["tax_id", "employees", "postal_code"]);
    assert_eq!(b["errors"][0]["code"], "tax_id.check_digit");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("dígito verificador")
    );
    assert_eq!(app.next_step(&c, None).await, "company");

    // A Brazilian company with an alphanumeric CNPJ.
    let mut br = TestApp::company_body();
    br["country"] = json!("BR");
    br["tax_id"] = json!("12.ABC.345/01DE-35");
    br["postal_code"] = json!("01310-100");
    let (s, b) = app
        .post_json(&c, app.url("/api/v1/onboarding/company"), br.clone())
        .await;
    assert_eq!((s, b["next"].as_str()), (200, Some("checkout")), "{b}");
    let (s, _) = app.post_json(&c, app.url("/api/v1/onboarding/company"), br).await;
    assert_eq!(s, 403, "given once");
    let company = app.commerce_of("co@example.com").await.company.unwrap();
    assert_eq!(
        (company.tax_id.normalized.as_str(), company.tax_id.formatted()),
        ("12ABC34501DE35", "12.ABC.345/01DE-35".to_string())
    );

    // The catalogue and the card's rules.
    let plans: Value = c
        .get(app.url("/api/v1/plans?lang=pt-BR"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plans["plans"][0]["id"], "starter");
    assert_eq!(plans["plans"][0]["name"], "Inicial");
    let (s, b) = app.post_json(
        &c,
        app.url("/api/v1/checkout"),
        json!({"plan": "starter", "period": "month", "card": card("4242 4242 4242 4241"), "idempotency_key": "k-000000000000001"}),
    )
    .await;
    assert_eq!((s, b["error"]["field"].as_str()), (422, Some("card_number")));
    let (s, b) = app.post_json(
        &c,
        app.url("/api/v1/checkout"),
        json!({"plan": "gold", "period": "week", "card": card("4242424242424242"), "idempotency_key": "k-000000000000001"}),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(b["errors"][0]["field"], "plan");
    assert_eq!(b["errors"][1]["field"], "period");

    // Declines keep the organization at the checkout with the reason.
    for (number, code) in [
        ("4000000000000002", "payment.declined"),
        ("4000000000009995", "payment.insufficient_funds"),
        ("4000000000000069", "payment.expired_card"),
    ] {
        let key = format!("decline-{number}");
        let (s, b) = app
            .post_json(
                &c,
                app.url("/api/v1/checkout"),
                json!({"plan": "starter", "period": "year", "card": card(number), "idempotency_key": key}),
            )
            .await;
        assert_eq!((s, b["error"]["code"].as_str()), (402, Some(code)));
    }
    // A gateway that does not answer: 503, and the order waits.
    let (s, b) = app.post_json(
        &c,
        app.url("/api/v1/checkout"),
        json!({"plan": "starter", "period": "year", "card": card("4000000000000119"), "idempotency_key": "slow-0000000000001"}),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (503, Some("payment.unavailable"))
    );
    assert_eq!(app.next_step(&c, None).await, "checkout");

    // Paid, in BRL for a Brazilian company; the same key again charges nothing more.
    let body = json!({"plan": "starter", "period": "year", "card": card("4242424242424242"), "idempotency_key": "paid-000000000001"});
    let (s, b) = app.post_json(&c, app.url("/api/v1/checkout"), body.clone()).await;
    assert_eq!(
        (s, b["next"].as_str(), b["subscription"]["plan"].as_str()),
        (200, Some("done"), Some("starter")),
        "{b}"
    );
    let renews = b["subscription"]["renews_at"].as_i64().unwrap();
    let started = b["subscription"]["started_at"].as_i64().unwrap();
    assert!(
        (365..=366).contains(&((renews - started) / 86_400_000)),
        "a calendar year"
    );
    let (s, _) = app.post_json(&c, app.url("/api/v1/checkout"), body).await;
    assert_eq!(s, 409, "already paid");
    let sandbox_orders = app.orders_of("co@example.com").await;
    let paid: Vec<&(String, String, i64)> = sandbox_orders.iter().filter(|o| o.1 == "paid").collect();
    assert_eq!(paid.len(), 1);
    assert_eq!(
        (paid[0].0.as_str(), paid[0].2),
        ("BRL", 14_900 * 10),
        "a year costs ten months"
    );
    assert_eq!(app.next_step(&c, None).await, "done");
    app.stop().await;
}

/// A stub of Stripe's API: `POST /v1/checkout/sessions`, one session per idempotency key, the
/// first request failing when asked to.
#[derive(Clone, Default)]
struct Stub {
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
    fail_first: Arc<Mutex<bool>>,
}

async fn sessions(
    State(stub): State<Stub>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, axum::Json<Value>) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    stub.seen.lock().unwrap().push((key.clone(), auth, body));
    if std::mem::take(&mut *stub.fail_first.lock().unwrap()) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error": {"message": "try again"}})),
        );
    }
    let id = format!(
        "cs_test_{}",
        key.len() + key.bytes().map(usize::from).sum::<usize>()
    );
    (
        StatusCode::OK,
        axum::Json(json!({"id": id, "url": format!("https://checkout.stripe.test/pay/{id}")})),
    )
}

#[tokio::test]
async fn stripe_checkout_completes_on_a_signed_webhook_once() {
    let stub = Stub::default();
    *stub.fail_first.lock().unwrap() = true;
    let app_stub = Router::new()
        .route("/v1/checkout/sessions", post(sessions))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app_stub).await.unwrap() });
    let app = spawn_app_with(|s| {
        s.billing.gateway = umbral::config::PaymentGatewayChoice::Stripe;
        s.billing.stripe_api_base = base.clone();
        s.billing.stripe_secret_key = "sk_test_umbral".into();
        s.billing.stripe_webhook_secret = "whsec_umbral".into();
    })
    .await;
    let c = at_company(&app, "stripe@example.com").await;
    let (s, _) = app
        .post_json(&c, app.url("/api/v1/onboarding/company"), TestApp::company_body())
        .await;
    assert_eq!(s, 200);

    // Stripe fails once: the order waits; the same key again makes one session.
    let body = json!({"plan": "business", "period": "month", "idempotency_key": "stripe-0000000001"});
    let (s, b) = app.post_json(&c, app.url("/api/v1/checkout"), body.clone()).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (503, Some("payment.unavailable"))
    );
    let (s, b) = app.post_json(&c, app.url("/api/v1/checkout"), body).await;
    assert_eq!((s, b["next"].as_str()), (200, Some("checkout")));
    let url = b["redirect_url"].as_str().unwrap().to_string();
    assert!(url.starts_with("https://checkout.stripe.test/pay/cs_test_"));
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, seen[1].0, "one idempotency key for both tries");
    assert_eq!(seen[1].1, "Bearer sk_test_umbral");
    let form = &seen[1].2;
    assert!(
        form.contains("line_items%5B0%5D%5Bprice_data%5D%5Bunit_amount%5D=9900000")
            && form.contains("currency%5D=ars"),
        "{form}"
    );
    assert!(!form.contains("4242"), "no card goes through Umbral");
    let order_id = form
        .split('&')
        .find_map(|kv| kv.strip_prefix("client_reference_id="))
        .unwrap()
        .to_string();
    assert_eq!(
        app.next_step(&c, None).await,
        "checkout",
        "paid only on Stripe's notice"
    );
    let (s, html) = {
        let r = c.get(app.url("/checkout/return?lang=en")).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert!(s == 200 && html.contains("Confirming your payment"), "{html}");

    let session = url.rsplit('/').next().unwrap();
    let event = json!({"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {
        "id": session, "client_reference_id": order_id, "payment_status": "paid"}}})
    .to_string();
    let now = {
        use umbral_testkit::umbral_core::clock::Clock;
        app.clock.now_ms() / 1000
    };
    let deliver = |signature: String| {
        let body = event.clone();
        let url = app.url("/api/v1/payments/stripe/webhook");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("stripe-signature", signature)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Forged (another secret), tampered with, and replayed from long ago: refused.
    assert_eq!(
        deliver(format!(
            "t={now},v1={}",
            sign("whsec_other", now, event.as_bytes())
        ))
        .await,
        400
    );
    assert_eq!(
        deliver(format!("t={now},v1={}", sign("whsec_umbral", now, b"{}"))).await,
        400
    );
    let old = now - 3600;
    assert_eq!(
        deliver(format!(
            "t={old},v1={}",
            sign("whsec_umbral", old, event.as_bytes())
        ))
        .await,
        400
    );
    assert_eq!(app.next_step(&c, None).await, "checkout");
    // The real notice completes the order; sent again it changes nothing.
    let good = format!("t={now},v1={}", sign("whsec_umbral", now, event.as_bytes()));
    assert_eq!(deliver(good.clone()).await, 200);
    assert_eq!(app.next_step(&c, None).await, "done");
    let sub = app.commerce_of("stripe@example.com").await.subscription.unwrap();
    assert_eq!(deliver(good).await, 200);
    let again = app.commerce_of("stripe@example.com").await.subscription.unwrap();
    assert_eq!(sub, again, "activated once");
    let orders = app.orders_of("stripe@example.com").await;
    assert_eq!(orders.iter().filter(|o| o.1 == "paid").count(), 1);
    let r = c.get(app.url("/checkout/return")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/checkout/done");
    app.stop().await;
}

#[tokio::test]
async fn tax_ids_are_checked_as_typed_with_a_limit() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let check = |country: &str, value: &str, lang: &str| {
        let url = app.url(&format!(
            "/api/v1/tax-ids/validate?country={country}&value={}&lang={lang}",
            value.replace('/', "%2F")
        ));
        let c = c.clone();
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or_default())
        }
    };
    let (s, b) = check("AR", "33693450239", "en").await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"valid": true, "kind": "cuit", "normalized": "33693450239", "formatted": "33-69345023-9"})
    );
    let (_, b) = check("BR", "12.abc.345/01de-35", "en").await;
    assert_eq!(
        (b["kind"].as_str(), b["formatted"].as_str()),
        (Some("cnpj"), Some("12.ABC.345/01DE-35"))
    );
    let (_, b) = check("MX", "GODE561231GR9", "pt-BR").await;
    assert_eq!(b["valid"], false);
    assert_eq!(b["reason"]["code"], "tax_id.check_digit");
    assert!(
        b["reason"]["message"]
            .as_str()
            .unwrap()
            .contains("dígito verificador")
    );
    let (_, b) = check("CL", "60.803.000-K", "es").await;
    assert_eq!(b["formatted"], "60.803.000-K");
    let (s, b) = check("XX", "1", "en").await;
    assert_eq!((s, b["error"]["field"].as_str()), (422, Some("country")));
    // Anyone may ask, so asking is limited per client: a burst, then 429 with Retry-After.
    let mut limited = None;
    for _ in 0..80 {
        let r = c
            .get(app.url("/api/v1/tax-ids/validate?country=AR&value=1"))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            limited = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            break;
        }
    }
    assert!(limited.is_some(), "no limit after 80 requests");
    app.stop().await;
}

#[tokio::test]
async fn card_numbers_never_reach_the_database() {
    let app = spawn_app().await;
    if app.backend != "sqlite" {
        app.stop().await;
        return;
    }
    let c = at_company(&app, "cards@example.com").await;
    let (s, _) = app
        .post_json(&c, app.url("/api/v1/onboarding/company"), TestApp::company_body())
        .await;
    assert_eq!(s, 200);
    for (i, (number, cvc)) in [("4000000000009995", "731"), ("5555555555554444", "842")]
        .into_iter()
        .enumerate()
    {
        app.post_json(
            &c,
            app.url("/api/v1/checkout"),
            json!({"plan": "starter", "period": "month", "idempotency_key": format!("cards-key-{i}-0000000"),
                "card": {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": cvc}}),
        )
        .await;
    }
    assert_eq!(app.next_step(&c, None).await, "done");
    // Every file of the database (the WAL included), byte by byte.
    let path = app
        .db
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let dir = std::path::Path::new(&path).parent().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in ["4000000000009995", "5555555555554444", "555555555555", "5554444"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} stored"
            );
        }
    }
    app.stop().await;
}
