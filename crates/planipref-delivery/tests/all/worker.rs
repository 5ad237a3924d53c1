//! The worker on both databases: what a booking's messages become, when
//! reminders go, and what happens when sending fails.

use planipref_delivery::webhook::WebhookClient;
use planipref_domain::messages::network::Networks;
use std::sync::Mutex;

use chrono::{Duration, Utc};
use planipref_delivery::SendError;
use planipref_delivery::render::Templates;
use planipref_delivery::transport::{Folder, Mailer, Sms, SmsSender};
use planipref_delivery::worker::{Deliverer, Round};
use planipref_domain::applicant::{Applicant, ApplicantInput};
use planipref_domain::ids::MotifId;
use planipref_domain::messages::backoff::MAX_ATTEMPTS;
use planipref_domain::messages::seal::{NONCE_BYTES, OutboxKey};
use planipref_domain::reference::Reference;
use planipref_domain::slots::{SlotRequest, first_free_slot};
use planipref_seed::seed_demo;
use planipref_store::models::ReservationRow;
use planipref_store::outbox::OutboxRow;
use planipref_store::{NewReservation, Store};
use planipref_test_support::TestDb;

pub const TOKEN: &str = "45e14c83a0b55923a443bedb3fab9833cf40b4b7046e52ca3029b0215ed4cda1";
pub const MANAGE: &str = "https://rdv.example.gouv.fr/rdv/{reference}?token={token}";
pub const CONVOCATION: &str = "https://rdv.example.gouv.fr/convocation?token={token}";

/// Books the demo's first Bobigny renewal slot a week ahead for Aïssata
/// (e-mail and mobile), the confirmation's token sealed with the
/// development key.
pub fn book(store: &Store, language: &str) -> ReservationRow {
    seed_demo(store).expect("seed");
    let sites = store.list_sites(Some("93"), 0, 10).expect("sites");
    let bobigny = sites
        .items
        .iter()
        .find(|s| s.kind == "prefecture")
        .expect("Bobigny");
    let motifs = store.list_site_motifs(&bobigny.id).expect("motifs");
    let motif: MotifId = motifs
        .iter()
        .find(|(m, _)| m.label.starts_with("Renouvellement"))
        .expect("motif")
        .0
        .id
        .parse()
        .expect("id");
    let from = Utc::now().date_naive() + chrono::Days::new(7);
    let to = from + chrono::Days::new(7);
    let schedule = store
        .motif_schedule(
            &motif.to_string(),
            from.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            to.and_hms_opt(23, 0, 0).unwrap().and_utc(),
            Utc::now(),
        )
        .expect("schedule");
    let duration = u32::try_from(schedule.motif.duration_minutes).unwrap();
    let free = first_free_slot(&SlotRequest {
        motif_id: motif,
        duration_minutes: duration,
        step_minutes: duration,
        time_zone: chrono_tz::Europe::Paris,
        from,
        to,
        now: Utc::now(),
        guichets: &schedule.guichets,
        plages: &schedule.plages,
        busy: &schedule.busy,
        closed_days: &[],
        booking_window_days: 366,
        newest_day_opens_at: None,
        min_notice_hours: 0,
    })
    .expect("a slot");
    let applicant = Applicant::parse(
        ApplicantInput {
            last_name: "N'Diaye",
            first_names: "Aïssata",
            birth_date: "1990-04-12",
            email: "aissata@example.org",
            phone: "06 12 34 56 78",
            nationality: None,
            file_number: None,
        },
        Utc::now().date_naive(),
    )
    .expect("applicant");
    let new = NewReservation {
        site_id: bobigny.id.parse().expect("site"),
        motif_id: motif,
        start: free.slot.start,
        end: free.slot.end,
        applicant,
        token_hash: "hash".into(),
        actor: "applicant".into(),
        now: Utc::now(),
        time_zone: chrono_tz::Europe::Paris,
        persons: 1,
        demarche_code: format!("motif:{motif}"),
        refuse_doublons: true,
        convocation: None,
        max_active_per_person: 3,
        origin: Default::default(),
        language: language.into(),
        sealed_token: Some(OutboxKey::development().seal(TOKEN, [3; NONCE_BYTES])),
        extra: None,
        file_check: None,
    };
    store
        .create_reservation(&new, &free.free_guichets, || {
            Reference::parse("K7QX-M3PA").unwrap()
        })
        .expect("booked")
}

/// A deliverer writing into `dir`, with `mailer` when given.
pub fn deliverer(dir: &std::path::Path, mailer: Option<Box<dyn Mailer>>) -> Deliverer {
    Deliverer {
        templates: Templates::new().expect("templates"),
        mailer: mailer.unwrap_or_else(|| Box::new(Folder::new(dir))),
        sms: Box::new(Folder::new(dir)),
        from: "Préfecture de la Seine-Saint-Denis <rdv@example.gouv.fr>"
            .parse()
            .expect("from"),
        manage_url: Some(MANAGE.into()),
        convocation_url: Some(CONVOCATION.into()),
        key: OutboxKey::development(),
        lease: Duration::seconds(i64::from(planipref_delivery::worker::DEFAULT_LEASE_SECONDS)),
        // The tests' receivers listen on this machine.
        webhooks: WebhookClient::new(Networks::parse("127.0.0.1").expect("network")),
    }
}

fn states(store: &Store, row: &ReservationRow) -> Vec<(String, String, String)> {
    let mut all: Vec<_> = store
        .reservation_messages(&row.id)
        .expect("messages")
        .into_iter()
        .map(|m: OutboxRow| (m.kind, m.channel, m.status))
        .collect();
    all.sort();
    all
}

fn triple(kind: &str, channel: &str, status: &str) -> (String, String, String) {
    (kind.into(), channel.into(), status.into())
}

#[test]
fn a_booking_is_confirmed_by_email_and_sms_then_reminded() {
    for db in TestDb::each() {
        let store = db.store();
        let row = book(store, "fr");
        let dir = tempfile::tempdir().expect("dir");
        let worker = deliverer(dir.path(), None);
        let now = Utc::now();
        let round = worker.deliver_due(store, now, || 0.5).expect("round");
        assert_eq!(
            round,
            Round {
                sent: 2,
                retried: 0,
                failed: 0,
                released: 0
            },
            "{}",
            db.backend()
        );

        let messages = store.reservation_messages(&row.id).expect("messages");
        let email = messages
            .iter()
            .find(|m| m.kind == "booked" && m.channel == "email")
            .unwrap();
        let eml =
            std::fs::read_to_string(dir.path().join(format!("{}.eml", email.id))).expect("eml");
        for expected in [
            format!("Message-ID: <{}@planipref>", email.id),
            "To: aissata@example.org".to_owned(),
            "Content-Type: multipart/alternative".to_owned(),
            "Content-Type: text/html; charset=utf-8".to_owned(),
            "Content-Type: text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
            "BEGIN:VCALENDAR".to_owned(),
        ] {
            assert!(eml.contains(&expected), "{expected} in\n{eml}");
        }
        // The link carries the token; the outbox no longer does.
        let link = MANAGE
            .replace("{reference}", "K7QX-M3PA")
            .replace("{token}", TOKEN);
        let decoded = eml.replace("=\r\n", "").replace("=3D", "=");
        assert!(decoded.contains(&link), "{decoded}");
        assert_eq!(store.find_message(&email.id).expect("message").sealed, None);

        let sms_row = messages
            .iter()
            .find(|m| m.kind == "booked" && m.channel == "sms")
            .unwrap();
        let sms: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("{}.sms.json", sms_row.id)))
                .expect("sms"),
        )
        .expect("json");
        assert_eq!(sms["to"], "+33612345678");
        assert!(sms["text"].as_str().unwrap().contains("K7QX-M3PA"), "{sms}");

        // Nothing else is due before the reminders.
        assert!(
            worker
                .deliver_due(store, now, || 0.5)
                .expect("round")
                .is_empty()
        );
        let start = chrono::DateTime::<Utc>::from_naive_utc_and_offset(row.starts_at, Utc);
        let round = worker
            .deliver_due(store, start - Duration::hours(1), || 0.5)
            .expect("reminders");
        assert_eq!(round.sent, 4, "two reminders, two channels");
        assert_eq!(
            states(store, &row),
            vec![
                triple("booked", "email", "sent"),
                triple("booked", "sms", "sent"),
                triple("reminder", "email", "sent"),
                triple("reminder", "email", "sent"),
                triple("reminder", "sms", "sent"),
                triple("reminder", "sms", "sent"),
            ]
        );
    }
}

/// A mailer that fails as told, counting its calls.
#[derive(Debug)]
struct Failing {
    error: SendError,
    calls: Mutex<usize>,
}

impl Mailer for Failing {
    fn send(&self, _id: &str, _message: &lettre::Message) -> Result<(), SendError> {
        *self.calls.lock().unwrap() += 1;
        Err(self.error.clone())
    }
}

impl SmsSender for Failing {
    fn send(&self, _sms: &Sms) -> Result<(), SendError> {
        Err(self.error.clone())
    }
}

#[test]
fn failures_are_retried_with_growing_delays_then_given_up() {
    for db in TestDb::each() {
        let store = db.store();
        let row = book(store, "en");
        let dir = tempfile::tempdir().expect("dir");
        let temporary = Failing {
            error: SendError::Temporary("smtp: not accepted now (421)".into()),
            calls: Mutex::new(0),
        };
        let worker = deliverer(dir.path(), Some(Box::new(temporary)));
        // A whole second (after the booking), so that delays are exact.
        let mut now =
            chrono::Timelike::with_nanosecond(&(Utc::now() + Duration::seconds(1)), 0).unwrap();
        let mut delays = vec![];
        for attempt in 1..=MAX_ATTEMPTS {
            let round = worker.deliver_due(store, now, || 0.0).expect("round");
            let email = store
                .reservation_messages(&row.id)
                .expect("messages")
                .into_iter()
                .find(|m| m.kind == "booked" && m.channel == "email")
                .unwrap();
            assert_eq!(email.attempts, i32::try_from(attempt).unwrap());
            assert_eq!(
                email.last_error.as_deref(),
                Some("smtp: not accepted now (421)")
            );
            if attempt < MAX_ATTEMPTS {
                assert_eq!(round.retried, 1, "attempt {attempt}");
                let due = chrono::DateTime::<Utc>::from_naive_utc_and_offset(email.due_at, Utc);
                delays.push((due - now).num_seconds());
                now = due;
            } else {
                assert_eq!(round.failed, 1, "given up after {MAX_ATTEMPTS}");
                assert_eq!(email.status, "failed");
                assert_eq!(email.sealed, None, "a failed message keeps no secret");
            }
        }
        assert!(delays.windows(2).all(|w| w[1] == 2 * w[0]), "{delays:?}");
        assert_eq!(delays[0], 24, "30 s with the lowest jitter (0.8)");
        // The SMS went to the folder: one failure does not hold the other.
        assert!(states(store, &row).contains(&triple("booked", "sms", "sent")));
    }
}

#[test]
fn a_refused_message_fails_at_once() {
    for db in TestDb::each() {
        let store = db.store();
        let row = book(store, "fr");
        let dir = tempfile::tempdir().expect("dir");
        let refused = Failing {
            error: SendError::Permanent("smtp: refused (550)".into()),
            calls: Mutex::new(0),
        };
        let worker = deliverer(dir.path(), Some(Box::new(refused)));
        let round = worker
            .deliver_due(store, Utc::now(), || 0.5)
            .expect("round");
        assert_eq!((round.sent, round.failed), (1, 1), "{}", db.backend());
        assert!(states(store, &row).contains(&triple("booked", "email", "failed")));
        assert_eq!(store.outbox_depth().expect("depth").failed, 1);
    }
}

#[test]
fn a_convocation_link_is_sent_then_its_withdrawal() {
    use planipref_domain::convocation::{
        ConvocationPerson, ConvocationPersonInput, ConvocationTerms,
    };
    use planipref_domain::ids::ConvocationId;
    use planipref_store::NewConvocation;
    use planipref_store::outbox::NewMessage;
    for db in TestDb::each() {
        let store = db.store();
        let row = book(store, "fr");
        let now = Utc::now();
        let person = ConvocationPerson::parse(
            ConvocationPersonInput {
                last_name: "Diallo",
                first_names: "Moussa",
                birth_date: "1985-01-01",
                file_number: None,
                email: Some("m.diallo@example.org"),
                phone: None,
            },
            now.date_naive(),
        )
        .expect("person");
        let id = ConvocationId::new_random();
        let link_token = "c0nv0cation-t0ken-0123456789abcdef";
        store
            .create_convocation(
                &NewConvocation {
                    id,
                    token_hash: "hash".into(),
                    site_id: row.site_id.parse().expect("site"),
                    motif_id: row.motif_id.parse().expect("motif"),
                    person,
                    terms: ConvocationTerms::parse(Some(30), None, None, now, now.date_naive())
                        .expect("terms"),
                    issued_by: "agent:test".into(),
                    now,
                    messages: vec![NewMessage {
                        kind: "convocation_issued".into(),
                        channel: "email".into(),
                        prefecture_code: "93".into(),
                        language: "fr".into(),
                        payload: "{}".into(),
                        sealed: Some(OutboxKey::development().seal(link_token, [9; NONCE_BYTES])),
                        due_at: now,
                    }],
                    ds_dossier_number: None,
                },
                None,
            )
            .expect("convocation");
        let dir = tempfile::tempdir().expect("dir");
        let worker = deliverer(dir.path(), None);
        worker.deliver_due(store, now, || 0.5).expect("round");
        let sent = store
            .convocation_messages(&id.to_string())
            .expect("messages");
        assert_eq!(sent[0].status, "sent", "{}", db.backend());
        let eml =
            std::fs::read_to_string(dir.path().join(format!("{}.eml", sent[0].id))).expect("eml");
        let decoded = eml.replace("=\r\n", "").replace("=3D", "=");
        assert!(
            decoded.contains(&CONVOCATION.replace("{token}", link_token)),
            "{decoded}"
        );
        assert!(eml.contains("To: m.diallo@example.org"));

        store
            .revoke_convocation(
                id,
                ("agent:test", "Dossier complet"),
                now,
                &planipref_store::AuditEntry {
                    actor: "agent:test".into(),
                    departement: Some("93".into()),
                    site_id: Some(row.site_id.clone()),
                    entity: "convocation",
                    entity_id: id.to_string(),
                    action: "updated",
                    before: None,
                    after: None,
                    at: now,
                },
            )
            .expect("revoke");
        let round = worker.deliver_due(store, now, || 0.5).expect("round");
        assert_eq!(round.sent, 1);
        let kinds: Vec<_> = store
            .convocation_messages(&id.to_string())
            .expect("messages")
            .into_iter()
            .map(|m| (m.kind, m.status))
            .collect();
        assert_eq!(
            kinds,
            [
                ("convocation_issued".to_owned(), "sent".to_owned()),
                ("convocation_revoked".to_owned(), "sent".to_owned())
            ]
        );
    }
}
