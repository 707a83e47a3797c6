//! `umbral postal import` against a real database file (and PostgreSQL when configured), then the
//! lookup through the running server.

use serde_json::Value;
use umbral_store::test_support::TestDatabase;

use crate::support::{serve, temp_dir, umbral};

async fn import(dir: &std::path::Path, url: &str, args: &[&str]) -> (bool, String, String) {
    let out = umbral(dir)
        .args(["postal", "import", "--database-url", url])
        .args(args)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn imports_are_whole_repeatable_and_looked_up() {
    for (name, db) in TestDatabase::all().await {
        let dir = temp_dir("postal");
        let csv = dir.join("ceps.csv");
        std::fs::write(
            &csv,
            "postal_code,street,neighbourhood,city,state\n\
             01310-100,\"Avenida Paulista, de 1 a 610\",Bela Vista,São Paulo,SP\n\
             20040-002,Avenida Rio Branco,Centro,Rio de Janeiro,RJ\n",
        )
        .unwrap();
        let geonames = dir.join("AR.txt");
        std::fs::write(
            &geonames,
            "AR\t1425\tPalermo\tCiudad Autónoma de Buenos Aires\tC\t\t\t\t\t-34.58\t-58.42\t4\n\
             AR\t5000\tCórdoba\tCórdoba\tX\t\t\t\t\t-31.4\t-64.18\t4\n",
        )
        .unwrap();
        let (ok, out, err) = import(
            &dir,
            &db.url,
            &["--format", "csv", "--country", "BR", csv.to_str().unwrap()],
        )
        .await;
        assert!(ok, "{name}: {err}");
        assert!(
            out.contains("imported 2 postal codes of 1 countries from 3 lines"),
            "{name}: {out}"
        );
        let (ok, out, _) = import(
            &dir,
            &db.url,
            &["--format", "csv", "--country", "BR", csv.to_str().unwrap()],
        )
        .await;
        assert!(
            ok && out.contains("imported 2 postal codes"),
            "{name}: the same table again: {out}"
        );
        let (ok, out, err) = import(&dir, &db.url, &[geonames.to_str().unwrap()]).await;
        assert!(
            ok && out.contains("imported 2 postal codes"),
            "{name}: {out} {err}"
        );

        // A bad line in the middle: its number is named and nothing of the file is imported.
        let broken = dir.join("broken.csv");
        std::fs::write(
            &broken,
            "01310-100,Rua Nova,Centro,Campinas,SP\n99999-999,Rua X,Y,Z,SP\n123,Rua Y,Y,Z,SP\n",
        )
        .unwrap();
        let (ok, _, err) = import(
            &dir,
            &db.url,
            &["--format", "csv", "--country", "BR", broken.to_str().unwrap()],
        )
        .await;
        assert!(!ok, "{name}");
        assert!(
            err.contains("line 3") && err.contains("nothing was imported"),
            "{name}: {err}"
        );
        let (ok, _, err) = import(&dir, &db.url, &["--format", "csv", csv.to_str().unwrap()]).await;
        assert!(!ok && err.contains("--country"), "{name}: {err}");

        let mut server = serve(&dir, &db.url, &[], true).await;
        let get = |path: String| async move {
            let r = reqwest::get(path).await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        };
        let (s, b) = get(format!("{}/api/v1/postal-codes/BR/01310-100", server.base)).await;
        assert_eq!(s, 200, "{name}: {b}");
        assert_eq!(
            b["street"], "Avenida Paulista, de 1 a 610",
            "{name}: the first import stands"
        );
        assert_eq!(
            (b["city"].as_str(), b["state"].as_str()),
            (Some("São Paulo"), Some("SP"))
        );
        let (s, b) = get(format!("{}/api/v1/postal-codes/AR/1425", server.base)).await;
        assert_eq!(
            (s, b["city"].as_str(), b["street"].as_str()),
            (200, Some("Palermo"), None),
            "{name}"
        );
        // The 8-character CPA most companies write finds its 4-digit code.
        for (cpa, city) in [("C1425XYZ", "Palermo"), ("x5000abc", "Córdoba")] {
            let (s, b) = get(format!("{}/api/v1/postal-codes/AR/{cpa}", server.base)).await;
            assert_eq!((s, b["city"].as_str()), (200, Some(city)), "{name} {cpa}");
        }
        let (s, b) = get(format!(
            "{}/api/v1/postal-codes/BR/99999-999?lang=pt-BR",
            server.base
        ))
        .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (404, Some("postal_code.not_found")),
            "{name}"
        );
        let (s, b) = get(format!("{}/api/v1/postal-codes/BR/123", server.base)).await;
        assert_eq!(
            (s, b["error"]["field"].as_str()),
            (422, Some("postal_code")),
            "{name}"
        );
        server.child.kill().await.unwrap();
        drop(db);
    }
}
