//! The `planipref` command line: help, errors, migrate and seed.

// Test helpers fail by panicking, like the tests that call them.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::process::{Command, Output};

fn planipref(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_planipref"));
    cmd.args(args)
        .env_remove("PLANIPREF_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("planipref runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_has_help() {
    let out = planipref(&["--help"], &[]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "migrate", "seed", "openapi", "token"] {
        assert!(help.contains(command), "{command} missing from --help");
        let out = planipref(&[command, "--help"], &[]);
        assert!(out.status.success(), "{command} --help");
        assert!(text(&out.stdout).contains("Usage"), "{command} --help");
    }
    assert!(text(&planipref(&["seed", "--help"], &[]).stdout).contains("--demo"));
}

#[test]
fn migrate_and_seed_create_the_database_and_are_idempotent() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("nested/dir/planipref.db");
    let url = format!("sqlite://{}", db.display());
    let env = [("PLANIPREF_DATABASE_URL", url.as_str())];
    let first = planipref(&["migrate"], &env);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(db.exists(), "the file and its directories are created");
    assert!(text(&first.stderr).contains("applied migrations"));
    let second = planipref(&["migrate"], &env);
    assert!(
        text(&second.stderr).contains("up to date"),
        "{}",
        text(&second.stderr)
    );
    let seed = planipref(&["seed", "--demo"], &env);
    assert!(
        text(&seed.stderr).contains("created: [\"93\", \"974\"]"),
        "{}",
        text(&seed.stderr)
    );
    let again = planipref(&["seed", "--demo"], &env);
    assert!(again.status.success());
    assert!(
        text(&again.stderr).contains("created: []"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn bad_configuration_is_refused_with_the_variable_named() {
    let out = planipref(&["migrate"], &[("PLANIPREF_DB_POOL_SIZE", "lots")]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("PLANIPREF_DB_POOL_SIZE"),
        "{}",
        text(&out.stderr)
    );
    let out = planipref(
        &["seed"],
        &[(
            "PLANIPREF_DATABASE_URL",
            "sqlite:///nonexistent-dir-for-test/x.db",
        )],
    );
    assert!(
        !out.status.success(),
        "seed without --demo says what to seed"
    );
}

#[test]
fn an_unreachable_postgres_is_reported_not_turned_into_a_file() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_planipref"))
        .arg("migrate")
        .current_dir(dir.path())
        .env(
            "PLANIPREF_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .env("PLANIPREF_DB_TIMEOUT_SECONDS", "1")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("127.0.0.1:1") || text(&out.stderr).contains("onnect"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no stray SQLite file"
    );
}

#[test]
fn openapi_prints_the_document() {
    let out = planipref(&["openapi"], &[]);
    assert!(out.status.success());
    let spec = text(&out.stdout);
    assert!(spec.trim_start().starts_with('{') && spec.trim_end().ends_with('}'));
    assert!(spec.contains("\"openapi\": \"3.1.0\""));
    assert!(spec.contains("/api/v1/reservations/{reference}/cancel"));
}

#[test]
fn token_mints_development_tokens_and_refuses_in_production() {
    let out = planipref(
        &[
            "token",
            "--role",
            "admin_prefecture",
            "--scope",
            "93,974",
            "--ttl",
            "1h",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout);
    assert_eq!(token.trim().split('.').count(), 3, "a JWT: {token}");
    let settings = planipref_api::security::agent::AuthSettings::development();
    let agent = planipref_api::security::agent::Verifier::new(&settings)
        .expect("verifier")
        .verify(token.trim())
        .expect("valid");
    assert_eq!(agent.role.code(), "admin_prefecture");

    let out = planipref(&["token", "--role", "root"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("role"), "{}", text(&out.stderr));
    let out = planipref(&["token", "--role", "admin_national"], &PRODUCTION);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("refusing to mint a token: PLANIPREF_ENV is production"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "no token printed");
}

/// A complete production configuration (secret, issuer, outbox key and mail of its own).
const PRODUCTION: [(&str, &str); 6] = [
    ("PLANIPREF_ENV", "production"),
    ("PLANIPREF_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
    ("PLANIPREF_JWT_ISSUER", "idp"),
    (
        "PLANIPREF_OUTBOX_KEY",
        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
    ),
    ("PLANIPREF_SMTP_URL", "smtp://relay.example:25"),
    ("PLANIPREF_MAIL_FROM", "rdv@example.gouv.fr"),
];

#[test]
fn seed_is_refused_in_production_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("planipref.db");
    let url = format!("sqlite://{}", db.display());
    let mut env = PRODUCTION.to_vec();
    env.push(("PLANIPREF_DATABASE_URL", url.as_str()));
    for (args, what) in [
        (&["seed", "--demo"][..], "--demo"),
        (
            &[
                "seed",
                "--national",
                "--departements",
                "974",
                "--weeks",
                "1",
            ][..],
            "--national",
        ),
    ] {
        let out = planipref(args, &env);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "refusing to seed {what}: PLANIPREF_ENV is production"
            )),
            "{what}: {stderr}"
        );
        assert!(!db.exists(), "{what}: no database written");
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("dir").count(),
            0,
            "{what}: nothing written beside it"
        );
    }
}
