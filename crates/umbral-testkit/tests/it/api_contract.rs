use serde_json::Value;
use umbral_testkit::spawn_app;

#[tokio::test]
async fn openapi_describes_every_api_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = include_str!("../../../umbral-web/src/api/mod.rs");
    let mut n = 0;
    for line in routes.lines().filter(|l| l.contains(".route(\"/api/v1/")) {
        let path = line.split('"').nth(1).unwrap();
        let method = if line.contains("post(") { "post" } else { "get" };
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not in the OpenAPI document"
        );
        n += 1;
    }
    assert!(n >= 6);
    app.stop().await;
}

#[tokio::test]
async fn operations_endpoints() {
    let app = spawn_app().await;
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(app.url("/readyz")).await.unwrap().status(), 200);
    reqwest::get(app.url("/login")).await.unwrap();
    let m = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("umbral_http_requests_total"), "{m}");
    let r = reqwest::get(app.url("/login")).await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("x-request-id"));
    let r = reqwest::get(app.url("/api/v1/nothing")).await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "request.not_found"
    );
    app.stop().await;
}

#[tokio::test]
async fn dev_outbox_only_in_dev_mode() {
    let app = umbral_testkit::spawn_app_with(|s| {
        s.dev = false;
        s.smtp.host = "127.0.0.1".into();
        s.smtp.port = 9;
        s.smtp.tls = "none".into();
        s.smtp.from = "Umbral <no-reply@example.com>".into();
    })
    .await;
    assert_eq!(reqwest::get(app.url("/dev/outbox")).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(app.url("/dev/outbox.json")).await.unwrap().status(),
        404
    );
    app.stop().await;
}
