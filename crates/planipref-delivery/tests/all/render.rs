//! Every message in every language, compared with the snapshots committed
//! in `tests/snapshots/` (`PLANIPREF_UPDATE_SNAPSHOTS=1` writes them
//! again: review the diff before committing).

use planipref_delivery::render::{CONVOCATION_KINDS, Facts, KINDS, SiteFacts, Templates};
use planipref_domain::messages::Language;
use planipref_domain::messages::sms::{SmsEncoding, measure};

fn facts(kind: &str, language: Language) -> Facts {
    use planipref_delivery::dates::{long, short};
    let paris = chrono_tz::Europe::Paris;
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let start = at("2026-12-14T09:30:00+01:00");
    Facts {
        kind: kind.to_owned(),
        reference: "K7QX-M3PA".into(),
        motif: "Renouvellement de titre de séjour".into(),
        site: SiteFacts {
            name: "Préfecture de la Seine-Saint-Denis".into(),
            address_line: "1 esplanade Jean Moulin".into(),
            postal_code: "93000".into(),
            city: "Bobigny".into(),
        },
        when: long(start, paris, language),
        when_short: short(start, paris, language),
        time_zone: "Europe/Paris".into(),
        persons: 1,
        documents: vec!["Passeport".into(), "Titre de séjour en cours".into()],
        instructions: "Entrée par la porte B, rez-de-chaussée.".into(),
        manage_url: (kind == "booked")
            .then(|| "https://rdv.example.gouv.fr/rdv/K7QX-M3PA?token=0123456789abcdef".into()),
        reason: matches!(kind, "cancelled" | "moved" | "needs_rebooking")
            .then(|| "Fermeture exceptionnelle <grève>".into()),
        by_agent: kind != "booked",
        previous_when: (kind == "moved")
            .then(|| long(at("2026-12-11T14:00:00+01:00"), paris, language)),
        days: None,
    }
}

/// A convocation valid until 31 December, for 7 to 18 December.
fn convocation(kind: &str, language: Language) -> Facts {
    let mut f = facts(kind, language);
    let until = chrono::DateTime::parse_from_rfc3339("2026-12-31T23:59:00+01:00")
        .unwrap()
        .to_utc();
    f.reference = String::new();
    f.when = planipref_delivery::dates::long(until, chrono_tz::Europe::Paris, language);
    f.when_short = planipref_delivery::dates::short(until, chrono_tz::Europe::Paris, language);
    f.manage_url = (kind == "convocation_issued")
        .then(|| "https://rdv.example.gouv.fr/convocation?token=0123456789abcdef".into());
    f.reason = (kind == "convocation_revoked").then(|| "Dossier complet".into());
    f.days = Some(planipref_delivery::dates::day_range(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 18),
        language,
    ));
    f
}

fn snapshot(name: &str, actual: &str) -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("PLANIPREF_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).expect("write snapshot");
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual).then(|| format!("{} differs:\n{actual}", path.display()))
}

#[test]
fn every_message_in_every_language_matches_its_snapshot() {
    let templates = Templates::new().expect("templates");
    let mut differ = vec![];
    for language in Language::ALL {
        for kind in KINDS {
            let r = templates
                .render(&facts(kind, language), language)
                .expect("rendered");
            let all = format!(
                "SUBJECT: {}\n\nSMS: {}\n\nTEXT:\n{}\n\nHTML:\n{}\n",
                r.subject, r.sms, r.text, r.html
            );
            differ.extend(snapshot(&format!("{}-{kind}", language.code()), &all));
            // What every message must say, whatever its wording.
            assert!(r.text.contains("K7QX-M3PA"), "{kind}: {}", r.text);
            assert!(r.sms.contains("K7QX-M3PA"), "{kind}: {}", r.sms);
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'));
            // HTML escapes what it inserts; text does not.
            if r.text.contains("grève") {
                assert!(r.text.contains("<grève>"), "{}", r.text);
                assert!(r.html.contains("&lt;grève&gt;"), "{}", r.html);
                assert!(!r.html.contains("<grève>"), "{}", r.html);
            }
            // An SMS is two segments at most (the management link
            // included), even in UCS-2.
            let length = measure(&r.sms);
            assert!(
                length.segments <= 2,
                "{kind} {}: {length:?}: {}",
                language.code(),
                r.sms
            );
        }
    }
    for language in Language::ALL {
        for kind in CONVOCATION_KINDS {
            let r = templates
                .render(&convocation(kind, language), language)
                .expect("rendered");
            let all = format!(
                "SUBJECT: {}\n\nSMS: {}\n\nTEXT:\n{}\n\nHTML:\n{}\n",
                r.subject, r.sms, r.text, r.html
            );
            differ.extend(snapshot(&format!("{}-{kind}", language.code()), &all));
            assert!(measure(&r.sms).segments <= 2, "{kind}: {}", r.sms);
            if kind == "convocation_issued" {
                assert!(
                    r.text
                        .contains("https://rdv.example.gouv.fr/convocation?token=")
                );
                assert!(
                    r.sms
                        .contains("https://rdv.example.gouv.fr/convocation?token=")
                );
                assert!(r.text.contains("2026"), "{}", r.text);
            }
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n\n"));
}

#[test]
fn a_confirmation_says_where_when_what_to_bring_and_how_to_cancel() {
    let templates = Templates::new().expect("templates");
    let r = templates
        .render(&facts("booked", Language::Fr), Language::Fr)
        .expect("rendered");
    for expected in [
        "lundi 14 décembre 2026 à 09:30",
        "Europe/Paris",
        "1 esplanade Jean Moulin, 93000 Bobigny",
        "- Passeport",
        "porte B",
        "https://rdv.example.gouv.fr/rdv/K7QX-M3PA?token=0123456789abcdef",
    ] {
        assert!(r.text.contains(expected), "{expected}: {}", r.text);
    }
    // Attributes are escaped (`/` as `&#x2f;`), which browsers read back.
    let html = r.html.replace("&#x2f;", "/");
    let link = "<a href=\"https://rdv.example.gouv.fr/rdv/K7QX-M3PA?token=0123456789abcdef\">";
    assert!(html.contains(link), "{html}");
    assert!(r.html.starts_with("<!DOCTYPE html>"));
    let en = templates
        .render(&facts("booked", Language::En), Language::En)
        .expect("rendered");
    assert!(en.text.contains("Please bring:"), "{}", en.text);
    // "é" and "à" are in GSM-7, "ç" is not: French SMS measure as they are.
    assert_eq!(measure(&r.sms).encoding, SmsEncoding::Gsm7, "{}", r.sms);
}
