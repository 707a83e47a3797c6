use serde_json::Value;
use umbral_testkit::spawn_app;

/// Every (method, path) of `/api/v1`, as the served document lists them. The routes and the
/// document come from the same `routes!` calls (clippy refuses `OpenApiRouter::route`), so what
/// the document lists is what the server routes.
fn api_routes(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item[method].is_object() && path.starts_with("/api/v1/") {
                out.push((method.to_string(), path.clone()));
            }
        }
    }
    out
}

/// A schema as the document states it, following a `$ref` to the named one.
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

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
    let routes = api_routes(&doc);
    // Every documented route is routed: none answers 404 or 405 for lack of a handler.
    let c = app.client();
    for (method, path) in &routes {
        let concrete = path
            .replace("{id}", "0190f0f0-0000-7000-8000-000000000000")
            .replace("{country}", "AR")
            .replace("{code}", "1425");
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = c.request(m, app.url(&concrete)).send().await.unwrap();
        let routed = r.status() != 405
            && (r.status() != 404
                || r.json::<Value>()
                    .await
                    .map(|b| b["error"]["code"] != "request.not_found")
                    .unwrap_or(true));
        assert!(routed, "{method} {path} is documented but not routed");
    }
    assert!(routes.len() >= 50, "{} routes", routes.len());
    // Field rules are stated wherever a field is taken, not only in the named schemas.
    let body = &doc["paths"]["/api/v1/organization/members"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let invite = &resolved(&doc, body)["properties"];
    assert_eq!(invite["email"]["maxLength"], 254, "{invite}");
    assert_eq!(invite["name"]["maxLength"], 100, "{invite}");
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
        s.smtp.tls = umbral::config::SmtpTls::None;
        s.smtp.from = "Umbral <no-reply@example.com>".into();
        s.two_factor.encryption_key = "q3bHnQ0cM0v9zJ8i1Yc6a2w4Xr7tKpLsE5fGhUjNzOA=".into();
        s.sms.enabled = false;
    })
    .await;
    assert_eq!(reqwest::get(app.url("/dev/outbox")).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(app.url("/dev/outbox.json")).await.unwrap().status(),
        404
    );
    app.stop().await;
}

/// Random and hostile bodies never crash the server nor answer 5xx.
#[tokio::test]
async fn no_body_makes_the_api_fail() {
    let app = spawn_app().await;
    let c = app.client();
    let mut seed = [0u8; 32];
    umbral_testkit::umbral_core::secrets::fill_random(&mut seed).unwrap();
    let mut state = u64::from_le_bytes(seed[..8].try_into().unwrap()) | 1;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces = [
        "\"\"",
        "null",
        "true",
        "-1",
        "1e400",
        "\"\\u0000\"",
        "\"ä😀\"",
        "[]",
        "{}",
        "\"a@b.c\"",
        "\"+5491123456789\"",
        "\"tigre-azul-lunes-47\"",
        "\"x\"",
        "123456",
        "\"123456\"",
        "\"<script>\"",
        "\"' OR 1=1 --\"",
    ];
    let fields = [
        "name",
        "email",
        "phone",
        "password",
        "accept_terms",
        "plan",
        "token",
        "code",
        "nope",
    ];
    for i in 0..150 {
        let n = (rand() % 6) as usize;
        let body = if i % 10 == 0 {
            // Not even JSON.
            (0..(rand() % 40))
                .map(|_| char::from(b' ' + (rand() % 94) as u8))
                .collect::<String>()
        } else {
            let members: Vec<String> = (0..n)
                .map(|_| {
                    let f = fields[(rand() % fields.len() as u64) as usize];
                    let v = pieces[(rand() % pieces.len() as u64) as usize];
                    format!("\"{f}\": {v}")
                })
                .collect();
            format!("{{{}}}", members.join(", "))
        };
        for path in ["/api/v1/signup", "/api/v1/login", "/api/v1/signup/confirm-email"] {
            let r = c
                .post(app.url(path))
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!((200..500).contains(&status), "{path} answered {status} to {body}");
            if status >= 400 {
                let v: Value = r
                    .json()
                    .await
                    .unwrap_or_else(|e| panic!("{path} {body}: not JSON: {e}"));
                assert!(v["error"]["code"].is_string(), "{path} {body}: {v}");
            }
        }
    }
    app.stop().await;
}

/// Unknown HTTP methods must not each become a metrics series kept for ever (memory, and a
/// `/metrics` of megabytes): they share one label.
#[tokio::test]
async fn unknown_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("PROBE{i}X").as_bytes()).unwrap();
        let r = c.request(method, app.url("/api/v1/me")).send().await.unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let m = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!m.contains("PROBE"), "a method name became a label");
    assert!(m.contains("method=\"other\""));
    app.stop().await;
}

/// A NUL in any route's path or query is refused at the edge as bad input, naming the field,
/// on both databases (PostgreSQL cannot store it and answered 500).
#[tokio::test]
async fn a_nul_anywhere_in_the_address_is_bad_input_on_every_route() {
    let app = spawn_app().await;
    let c = app.staff("nul-staff@example.com").await;
    let doc: Value = c
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tried = 0;
    for (method, path) in api_routes(&doc) {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let with_ids = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x%00y" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for (url, field) in [
            (
                format!("{with_ids}?event=%00&cursor=a%00&user_id=%00"),
                if path.contains('{') { "path" } else { "event" },
            ),
            (format!("{path}?cursor=%00"), "cursor"),
        ] {
            if url.contains('{') {
                continue;
            }
            let r = c.request(m.clone(), app.url(&url)).send().await.unwrap();
            assert_eq!(r.status(), 400, "{method} {url}");
            let b: serde_json::Value = r.json().await.unwrap();
            assert_eq!(b["error"]["code"], "request.nul_byte", "{method} {url}");
            assert_eq!(b["error"]["field"], field, "{method} {url}");
            tried += 1;
        }
    }
    assert!(tried >= 40, "only {tried} requests");
    // A form's field too, for the pages.
    let r = c
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf_token=x&email=a%00%40example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["field"],
        "email"
    );
    app.stop().await;
}

/// A query to add, a body with its content type, and what the probe is called.
type Probe = (&'static str, Option<(&'static str, &'static str)>, &'static str);

/// A schema-driven client or fuzzer meets no undocumented answer: every status the server gives
/// to a request without credentials, with credentials, with an empty, unknown-field, non-JSON
/// or wrongly typed body, or with a NUL in the query, is one the document lists for that route.
#[tokio::test]
async fn openapi_lists_every_status_each_route_really_answers() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anon = app.client();
    let mut signed = app.signed_up("probe0@example.com").await;
    let mut missing = Vec::new();
    for (n, (method, path)) in api_routes(&doc).into_iter().enumerate() {
        let (method, path) = (method.as_str(), path.as_str());
        // A route before may have signed the probe out (sign-out, two-factor on, ...).
        if signed.get(app.url("/api/v1/me")).send().await.unwrap().status() != 200 {
            signed = app.signed_up(&format!("probe{n}@example.com")).await;
        }
        let concrete = path
            .replace("{id}", "0190f0f0-0000-7000-8000-000000000000")
            .replace("{country}", "AR")
            .replace("{code}", "1425");
        let responses = &doc["paths"][path][method]["responses"];
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let with_body = matches!(method, "post" | "put");
        let mut probes: Vec<Probe> = vec![("", None, "plain"), ("?x=a%00b", None, "nul")];
        if with_body {
            probes.extend([
                ("", Some(("application/json", "{}")), "empty"),
                ("", Some(("application/json", r#"{"zz_unknown": 1}"#)), "unknown"),
                (
                    "",
                    Some((
                        "application/json",
                        r#"{"email": 5, "code": [], "password": null}"#,
                    )),
                    "typed",
                ),
                ("", Some(("application/json", "{")), "bad json"),
                ("", Some(("text/plain", "x")), "text"),
            ]);
        }
        for (who, client) in [("anonymous", &anon), ("signed in", &signed)] {
            for (query, body, what) in &probes {
                let mut r = client.request(m.clone(), app.url(&format!("{concrete}{query}")));
                if let Some((ct, b)) = body {
                    r = r.header("content-type", *ct).body(b.to_string());
                }
                let status = r.send().await.unwrap().status().as_u16();
                assert_ne!(status, 500, "{method} {path} ({who}, {what}) answered 500");
                if !responses[status.to_string()].is_object() {
                    missing.push(format!("{method} {path} ({who}, {what}): {status}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented answers:\n{}",
        missing.join("\n")
    );
    app.stop().await;
}
