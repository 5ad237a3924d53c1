//! Unit tests of the configuration: defaults, production's refusals, token
//! verification, bad values naming their variable; and the tests that
//! [`VARIABLES`] lists exactly the variables read, and that `.env.example`
//! and the README's table document exactly those.

use super::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_sqlite_on_localhost() {
    let c = config(&[]).expect("defaults");
    assert_eq!(
        c.database_url,
        DatabaseUrl::Sqlite("./data/planipref.db".into())
    );
    assert_eq!(c.bind, "127.0.0.1:8080");
    assert!(c.auto_migrate);
    assert_eq!(c.pool.max_size, 8);
}

#[test]
fn planipref_database_url_wins_over_database_url() {
    let c = config(&[
        ("DATABASE_URL", "postgres://a@h/x"),
        ("PLANIPREF_DATABASE_URL", "sqlite://y.db"),
    ])
    .expect("ok");
    assert_eq!(c.database_url, DatabaseUrl::Sqlite("y.db".into()));
    let c = config(&[("DATABASE_URL", "postgres://a@h/x")]).expect("ok");
    assert_eq!(c.database_url.backend(), "postgresql");
}

#[test]
fn production_refuses_the_development_secret_and_missing_settings() {
    let e = config(&[("PLANIPREF_ENV", "production")]).expect_err("no secret");
    assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
    let e = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", DEVELOPMENT_SECRET),
    ])
    .expect_err("dev secret");
    assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
    let e = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", "short"),
    ])
    .expect_err("short");
    assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
    let secret = "0123456789abcdef0123456789abcdef";
    let e = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", secret),
    ])
    .expect_err("no issuer");
    assert!(e.to_string().starts_with("PLANIPREF_JWT_ISSUER"), "{e}");
    let e = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", secret),
        ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
    ])
    .expect_err("no outbox key");
    assert!(e.to_string().starts_with("PLANIPREF_OUTBOX_KEY"), "{e}");
    let c = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", secret),
        ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
        ("PLANIPREF_OUTBOX_KEY", &"5a".repeat(32)),
        (
            "PLANIPREF_SMTP_URL",
            "smtp://relay.example:587?tls=required",
        ),
        ("PLANIPREF_MAIL_FROM", "Préfecture <rdv@example.gouv.fr>"),
    ])
    .expect("complete");
    assert_eq!(c.environment, Environment::Production);
    assert_eq!(c.auth.key, secret.as_bytes());
}

#[test]
fn asymmetric_algorithms_need_a_readable_public_key() {
    let e = config(&[("PLANIPREF_JWT_ALGORITHM", "RS256")]).expect_err("no key");
    assert!(
        e.to_string().starts_with("PLANIPREF_JWT_PUBLIC_KEY_FILE"),
        "{e}"
    );
    let e = config(&[
        ("PLANIPREF_JWT_ALGORITHM", "RS256"),
        ("PLANIPREF_JWT_PUBLIC_KEY_FILE", "/nonexistent.pem"),
    ])
    .expect_err("missing file");
    assert!(e.to_string().contains("/nonexistent.pem"), "{e}");
    let e = config(&[("PLANIPREF_JWT_ALGORITHM", "none")]).expect_err("none");
    assert!(e.to_string().starts_with("PLANIPREF_JWT_ALGORITHM"), "{e}");
}

#[test]
fn the_public_development_secret_is_refused_beyond_loopback() {
    for bind in [
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
        "127.0.0.1:0",
    ] {
        assert!(config(&[("PLANIPREF_BIND", bind)]).is_ok(), "{bind}");
    }
    for bind in [
        "0.0.0.0:8080",
        "10.1.2.3:80",
        "[::]:8080",
        "planipref.example:8080",
    ] {
        let e = config(&[("PLANIPREF_BIND", bind)]).expect_err(bind);
        assert!(e.to_string().starts_with("PLANIPREF_JWT_SECRET"), "{e}");
    }
    let own = "a-secret-of-my-own-that-is-long-enough";
    // The router's development secret is public too.
    let e = config(&[
        ("PLANIPREF_BIND", "0.0.0.0:8080"),
        ("PLANIPREF_JWT_SECRET", own),
    ])
    .expect_err("router secret");
    assert!(e.to_string().starts_with("PLANIPREF_ROUTER_SECRET"), "{e}");
    let router = (
        "PLANIPREF_ROUTER_SECRET",
        "the-router-secret-shared-with-dila-long",
    );
    // And so is the development hub's token.
    let e = config(&[
        ("PLANIPREF_BIND", "0.0.0.0:8080"),
        ("PLANIPREF_JWT_SECRET", own),
        router,
    ])
    .expect_err("development hub");
    assert!(e.to_string().starts_with("PLANIPREF_HUBS"), "{e}");
    let hub = format!(
        "ants:{}",
        planipref_domain::hub::digest_hex(&planipref_domain::hub::token_digest("a-hub-token"))
    );
    assert!(
        config(&[
            ("PLANIPREF_BIND", "0.0.0.0:8080"),
            ("PLANIPREF_JWT_SECRET", own),
            router,
            ("PLANIPREF_HUBS", &hub),
        ])
        .is_ok()
    );
}

#[test]
fn the_router_is_verified_apart_from_agents_and_only_when_configured() {
    let dev = config(&[]).expect("development");
    let router = dev.router.expect("a development router");
    assert_eq!(router.issuer, "dila-router-dev");
    assert_ne!(router.key, dev.auth.key, "never the agents' key");
    let production = [
        ("PLANIPREF_ENV", "production"),
        (
            "PLANIPREF_JWT_SECRET",
            "a-secret-of-my-own-that-is-long-enough",
        ),
        ("PLANIPREF_JWT_ISSUER", "https://agents.example"),
        (
            "PLANIPREF_OUTBOX_KEY",
            "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
        ),
        (
            "PLANIPREF_SMTP_URL",
            "smtp://relay.example:587?tls=required",
        ),
        ("PLANIPREF_MAIL_FROM", "Préfecture <rdv@example.gouv.fr>"),
    ];
    assert!(config(&production).expect("production").router.is_none());
    let mut with_router = production.to_vec();
    with_router.push(("PLANIPREF_ROUTER_ISSUER", "https://dila.example"));
    let e = config(&with_router).expect_err("a secret is required");
    assert!(e.to_string().starts_with("PLANIPREF_ROUTER_SECRET"), "{e}");
    with_router.push((
        "PLANIPREF_ROUTER_SECRET",
        "the-router-secret-shared-with-dila-long",
    ));
    with_router.push(("PLANIPREF_ROUTER_AUDIENCE", "planipref-93"));
    let r = config(&with_router)
        .expect("production")
        .router
        .expect("router");
    assert_eq!(
        (r.issuer.as_str(), r.audience.as_str()),
        ("https://dila.example", "planipref-93")
    );
}

#[test]
fn bad_values_name_the_variable() {
    for (k, v) in [
        ("PLANIPREF_DB_POOL_SIZE", "many"),
        ("PLANIPREF_DB_POOL_SIZE", "0"),
        ("PLANIPREF_AUTO_MIGRATE", "perhaps"),
        ("PLANIPREF_DATABASE_URL", "mysql://x/y"),
    ] {
        let e = config(&[(k, v)]).expect_err("refused");
        assert!(e.to_string().starts_with(k), "{e}");
    }
    let c = config(&[
        ("PLANIPREF_AUTO_MIGRATE", "false"),
        ("PLANIPREF_DB_TIMEOUT_SECONDS", "2"),
    ])
    .expect("ok");
    assert!(!c.auto_migrate);
    assert_eq!(c.pool.connection_timeout, Duration::from_secs(2));
}

#[test]
fn a_holds_length_is_ten_minutes_unless_set_within_an_hour() {
    assert_eq!(config(&[]).expect("defaults").booking.hold_minutes, 10);
    let c = config(&[("PLANIPREF_HOLD_MINUTES", "3")]).expect("three");
    assert_eq!(c.booking.hold_minutes, 3);
    let c = config(&[("PLANIPREF_HOLD_MINUTES", "60")]).expect("an hour");
    assert_eq!(c.booking.hold_minutes, 60);
    // Empty, as an unset variable: the default.
    let c = config(&[("PLANIPREF_HOLD_MINUTES", " ")]).expect("empty");
    assert_eq!(c.booking.hold_minutes, 10);
    for bad in ["0", "61", "ten", "-5", "2.5"] {
        let e = config(&[("PLANIPREF_HOLD_MINUTES", bad)]).expect_err(bad);
        assert!(e.to_string().starts_with("PLANIPREF_HOLD_MINUTES"), "{e}");
    }
}

#[test]
fn variables_lists_exactly_the_variables_read() {
    // Any readable file stands for a PEM key here: the configuration
    // only reads it (the verifiers parse it).
    let key = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let read = RefCell::new(BTreeSet::new());
    // The defaults take every branch but the asymmetric keys' ones.
    for vars in [
        vec![],
        vec![
            ("PLANIPREF_JWT_ALGORITHM", "RS256"),
            ("PLANIPREF_JWT_PUBLIC_KEY_FILE", key),
            ("PLANIPREF_ROUTER_ALGORITHM", "ES256"),
            ("PLANIPREF_ROUTER_PUBLIC_KEY_FILE", key),
        ],
    ] {
        let map: HashMap<&str, &str> = vars.into_iter().collect();
        let config = Config::from_lookup(|name| {
            read.borrow_mut().insert(name.to_owned());
            map.get(name).map(|v| (*v).to_owned())
        });
        assert!(config.is_ok(), "{config:?}");
    }
    let listed: BTreeSet<String> = VARIABLES.iter().map(|v| (*v).to_owned()).collect();
    assert_eq!(read.into_inner(), listed);
}

/// Documented variables that the configuration does not read, and are
/// read elsewhere.
const READ_ELSEWHERE: &[&str] = &[
    // By the tests' temporary databases and scripts/test.sh.
    "PLANIPREF_TEST_POSTGRES_URL",
];

fn repository_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `PLANIPREF_*` variables `.env.example` sets, or shows commented
/// out (`# NAME=value`).
fn set_in_env_example(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim_start_matches('#').trim().split_once('='))
        .map(|(name, _)| name)
        .filter(|name| {
            name.starts_with("PLANIPREF_")
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .map(str::to_owned)
        .collect()
}

/// The `PLANIPREF_*` variables named in the first column of the
/// README's configuration table.
fn in_readme_table(text: &str) -> BTreeSet<String> {
    let section = text
        .split_once("\n## Configuration\n")
        .map(|(_, after)| after.split("\n## ").next().unwrap_or(after))
        .expect("the README has a Configuration section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix('|')?.split('|').next())
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .filter(|name| name.starts_with("PLANIPREF_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn env_example_and_the_readme_document_exactly_the_variables_read() {
    let read: BTreeSet<&str> = VARIABLES
        .iter()
        .copied()
        .filter(|v| v.starts_with("PLANIPREF_"))
        .collect();
    for (file, documented) in [
        (
            ".env.example",
            set_in_env_example(&repository_file(".env.example")),
        ),
        ("README.md", in_readme_table(&repository_file("README.md"))),
    ] {
        let missing: Vec<&str> = read
            .iter()
            .copied()
            .filter(|v| !documented.contains(*v))
            .collect();
        assert!(missing.is_empty(), "{file} does not document {missing:?}");
        let unknown: Vec<&String> = documented
            .iter()
            .filter(|v| !read.contains(v.as_str()) && !READ_ELSEWHERE.contains(&v.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{file} documents {unknown:?}, which the configuration does not read"
        );
    }
}

#[test]
fn the_documentation_readers_find_what_they_look_for() {
    let env = set_in_env_example(
        "# Comment naming PLANIPREF_X in passing.\nPLANIPREF_A=1\n# PLANIPREF_B=/x=y\nRUST_LOG=info\n",
    );
    assert_eq!(
        env,
        BTreeSet::from(["PLANIPREF_A".into(), "PLANIPREF_B".into()])
    );
    let readme = in_readme_table(
        "# T\n## Configuration\n| variable | d |\n| --- | --- |\n| `PLANIPREF_A` (or `DATABASE_URL`) | `PLANIPREF_NOT` |\n| `RUST_LOG` | x |\n\n## Next\n| `PLANIPREF_C` | |\n",
    );
    assert_eq!(readme, BTreeSet::from(["PLANIPREF_A".into()]));
}

#[test]
fn the_clock_start_is_an_instant_and_never_in_production() {
    assert_eq!(config(&[]).expect("defaults").clock_start, None);
    let c = config(&[("PLANIPREF_CLOCK_START", "2026-12-07T08:55:00+01:00")]).expect("ok");
    assert_eq!(
        c.clock_start.map(|t| t.to_rfc3339()),
        Some("2026-12-07T07:55:00+00:00".to_owned())
    );
    for bad in ["2026-12-07", "lundi 8h55", "2026-12-07T08:55:00"] {
        let e = config(&[("PLANIPREF_CLOCK_START", bad)]).expect_err(bad);
        assert!(e.to_string().starts_with("PLANIPREF_CLOCK_START"), "{e}");
    }
    let e = config(&[
        ("PLANIPREF_ENV", "production"),
        ("PLANIPREF_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
        ("PLANIPREF_CLOCK_START", "2026-12-07T08:55:00+01:00"),
    ])
    .expect_err("production");
    assert!(e.to_string().starts_with("PLANIPREF_CLOCK_START"), "{e}");
}

#[test]
fn the_outbox_key_is_the_deployments_own_in_production() {
    assert!(config(&[]).expect("defaults").outbox_key.is_development());
    let own = "0f".repeat(32);
    let c = config(&[("PLANIPREF_OUTBOX_KEY", own.as_str())]).expect("ok");
    assert!(!c.outbox_key.is_development());
    let e = config(&[("PLANIPREF_OUTBOX_KEY", "abc")]).expect_err("short");
    assert!(e.to_string().starts_with("PLANIPREF_OUTBOX_KEY"), "{e}");
    let production = |key: Option<&str>| {
        let mut vars = vec![
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
            (
                "PLANIPREF_SMTP_URL",
                "smtp://relay.example:587?tls=required",
            ),
            ("PLANIPREF_MAIL_FROM", "Préfecture <rdv@example.gouv.fr>"),
        ];
        if let Some(k) = key {
            vars.push(("PLANIPREF_OUTBOX_KEY", k));
        }
        config(&vars)
    };
    for refused in [
        None,
        Some(planipref_domain::messages::seal::DEVELOPMENT_KEY_HEX),
    ] {
        let e = production(refused).expect_err("refused");
        assert!(e.to_string().starts_with("PLANIPREF_OUTBOX_KEY"), "{e}");
    }
    assert!(production(Some(own.as_str())).is_ok());
}

#[test]
fn messages_are_written_to_a_folder_in_development_and_sent_in_production() {
    let dev = config(&[]).expect("development").delivery;
    assert_eq!(dev.smtp_url, None);
    assert_eq!(dev.outbox_dir, std::path::PathBuf::from("./data/outbox"));
    let sent = config(&[
        ("PLANIPREF_SMTP_URL", "smtps://user:pass@mail.example:465"),
        (
            "PLANIPREF_PUBLIC_MANAGE_URL",
            "https://rdv.example.gouv.fr/rdv/{reference}?token={token}",
        ),
    ])
    .expect("smtp")
    .delivery;
    assert_eq!(
        sent.smtp_url.as_deref(),
        Some("smtps://user:pass@mail.example:465")
    );
    for (name, bad) in [
        ("PLANIPREF_SMTP_URL", "mail.example"),
        ("PLANIPREF_MAIL_FROM", "not an address"),
        (
            "PLANIPREF_PUBLIC_MANAGE_URL",
            "https://rdv.example/rdv/{reference}",
        ),
        (
            "PLANIPREF_PUBLIC_MANAGE_URL",
            "ftp://rdv.example/{reference}/{token}",
        ),
    ] {
        let e = config(&[(name, bad)]).expect_err(bad);
        assert!(e.to_string().starts_with(name), "{e}");
    }
    let production = |extra: &[(&'static str, &'static str)]| {
        let mut vars = vec![
            ("PLANIPREF_ENV", "production"),
            ("PLANIPREF_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("PLANIPREF_JWT_ISSUER", "https://idp.example"),
            (
                "PLANIPREF_OUTBOX_KEY",
                "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
            ),
        ];
        vars.extend_from_slice(extra);
        config(&vars)
    };
    let e = production(&[]).expect_err("no SMTP");
    assert!(e.to_string().starts_with("PLANIPREF_SMTP_URL"), "{e}");
    let e = production(&[("PLANIPREF_SMTP_URL", "smtp://relay:25")]).expect_err("no sender");
    assert!(e.to_string().starts_with("PLANIPREF_MAIL_FROM"), "{e}");
    let e = production(&[
        ("PLANIPREF_SMTP_URL", "smtp://relay:25"),
        ("PLANIPREF_MAIL_FROM", "rdv@example.gouv.fr"),
        (
            "PLANIPREF_PUBLIC_MANAGE_URL",
            "http://rdv.example/{reference}/{token}",
        ),
    ])
    .expect_err("http in production");
    assert!(
        e.to_string().starts_with("PLANIPREF_PUBLIC_MANAGE_URL"),
        "{e}"
    );
}

#[test]
fn sms_go_through_brevo_or_a_json_gateway() {
    assert_eq!(config(&[]).expect("default").delivery.sms, None);
    let brevo = config(&[
        ("PLANIPREF_SMS_PROVIDER", "brevo"),
        ("PLANIPREF_SMS_API_KEY", "xkeysib-example"),
    ])
    .expect("brevo")
    .delivery
    .sms;
    assert_eq!(
        brevo,
        Some(SmsProvider::Brevo {
            url: planipref_delivery::sms_http::BREVO_URL.into(),
            api_key: "xkeysib-example".into(),
            sender: "PREFECTURE".into(),
        })
    );
    let gateway = config(&[
        ("PLANIPREF_SMS_PROVIDER", "webhook"),
        ("PLANIPREF_SMS_URL", "https://sms.example/send"),
    ])
    .expect("webhook")
    .delivery
    .sms;
    assert_eq!(
        gateway,
        Some(SmsProvider::Webhook {
            url: "https://sms.example/send".into(),
            token: None
        })
    );
    for (vars, name) in [
        (
            vec![("PLANIPREF_SMS_PROVIDER", "brevo")],
            "PLANIPREF_SMS_API_KEY",
        ),
        (
            vec![("PLANIPREF_SMS_PROVIDER", "webhook")],
            "PLANIPREF_SMS_URL",
        ),
        (
            vec![("PLANIPREF_SMS_PROVIDER", "pigeon")],
            "PLANIPREF_SMS_PROVIDER",
        ),
        (
            vec![
                ("PLANIPREF_SMS_PROVIDER", "brevo"),
                ("PLANIPREF_SMS_API_KEY", "k"),
                ("PLANIPREF_SMS_SENDER", "PRÉFECTURE 93"),
            ],
            "PLANIPREF_SMS_SENDER",
        ),
        (
            vec![("PLANIPREF_SMS_URL", "ftp://sms.example")],
            "PLANIPREF_SMS_URL",
        ),
        (
            vec![("PLANIPREF_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/33")],
            "PLANIPREF_WEBHOOK_ALLOWED_NETWORKS",
        ),
    ] {
        let e = config(&vars).expect_err(name);
        assert!(e.to_string().starts_with(name), "{e}");
    }
}

#[test]
fn metrics_are_served_apart_from_the_api_and_stopping_waits_thirty_seconds() {
    let c = config(&[]).expect("defaults");
    assert_eq!(c.metrics_bind, None);
    assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
    let c = config(&[
        ("PLANIPREF_METRICS_BIND", " 127.0.0.1:9464 "),
        ("PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS", "5"),
    ])
    .expect("set");
    assert_eq!(c.metrics_bind.as_deref(), Some("127.0.0.1:9464"));
    assert_eq!(c.shutdown_timeout, Duration::from_secs(5));
    // Both on port 0: two different free ports.
    let c = config(&[
        ("PLANIPREF_BIND", "127.0.0.1:0"),
        ("PLANIPREF_METRICS_BIND", "127.0.0.1:0"),
    ])
    .expect("port 0");
    assert_eq!(c.metrics_bind.as_deref(), Some("127.0.0.1:0"));
    for (name, bad) in [
        ("PLANIPREF_METRICS_BIND", "9464"),
        ("PLANIPREF_METRICS_BIND", ":9464"),
        ("PLANIPREF_METRICS_BIND", "127.0.0.1:http"),
        ("PLANIPREF_METRICS_BIND", "127.0.0.1:8080"),
        ("PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS", "0"),
        ("PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS", "3601"),
        ("PLANIPREF_SHUTDOWN_TIMEOUT_SECONDS", "soon"),
    ] {
        let e = config(&[(name, bad)]).expect_err(bad);
        assert!(e.to_string().starts_with(name), "{e}");
    }
}
