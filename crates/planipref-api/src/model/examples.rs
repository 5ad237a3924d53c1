//! Examples for the OpenAPI document, built from the real response types so
//! that they always have the shape the API sends.

use crate::model::calendar::ClosedDay;
use crate::model::calendar::SiteCalendar;
use crate::model::motif::Motif;
use crate::model::motif::MotifPage;
use crate::model::motif::ServiceRef;
use crate::model::page::PageInfo;
use crate::model::reservation::ApplicantResponse;
use crate::model::reservation::Reservation;
use crate::model::reservation::ReservationCreated;
use crate::model::reservation::ReservationMotif;
use crate::model::site::Address;
use crate::model::site::Site;
use crate::model::site::SitePage;
use crate::model::slot::SlotList;
use crate::model::slot::SlotResponse;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Value, json};

pub const SITE_ID: &str = "4a0c1f5e-8a52-4a36-9f7b-3f0e3c2a9d11";
const MOTIF_ID: &str = "9d1e7c3a-2f4b-4c8d-a1e2-5b6c7d8e9f00";

pub fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap_or_default()
}

pub fn day(s: &str) -> NaiveDate {
    s.parse().unwrap_or_default()
}

/// A site.
pub fn site() -> Site {
    Site {
        id: SITE_ID.into(),
        prefecture_code: "93".into(),
        kind: "prefecture".into(),
        name: "Préfecture de la Seine-Saint-Denis — Bobigny".into(),
        address: Address {
            line: "1 esplanade Jean Moulin".into(),
            postal_code: "93000".into(),
            city: "Bobigny".into(),
            commune_insee: "93008".into(),
        },
        time_zone: "Europe/Paris".into(),
    }
}

/// A page of sites.
pub fn site_page() -> SitePage {
    let reunion = Site {
        id: "7c2e9b40-51d3-4f8a-9e6b-0a1d2c3e4f56".into(),
        prefecture_code: "974".into(),
        kind: "prefecture".into(),
        name: "Préfecture de La Réunion — Saint-Denis".into(),
        address: Address {
            line: "Place du Barachois".into(),
            postal_code: "97400".into(),
            city: "Saint-Denis".into(),
            commune_insee: "97411".into(),
        },
        time_zone: "Indian/Reunion".into(),
    };
    SitePage {
        items: vec![site(), reunion],
        page: PageInfo {
            page: 1,
            per_page: 50,
            total: 2,
        },
    }
}

/// A motif.
pub fn motif() -> Motif {
    Motif {
        id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        service: ServiceRef {
            id: "0b8f2f0a-3b1c-4a57-8f3e-6e1f8d7c2b10".into(),
            name: "Bureau du séjour des étrangers".into(),
        },
        label: "Renouvellement de titre de séjour".into(),
        description: "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos."
            .into(),
        duration_minutes: 30,
        demarche_code: Some("sejour-renouvellement".into()),
        booking_window_days: 90,
        min_notice_hours: 24,
        cancellation_deadline_hours: 24,
        documents: vec![
            "Titre de séjour en cours".into(),
            "Passeport en cours de validité".into(),
            "Justificatif de domicile de moins de 3 mois".into(),
        ],
        max_persons: 1,
        duration_per_person: false,
        instructions: "Présentez-vous 10 minutes avant l'heure, porte B.".into(),
        booking_mode: "online".into(),
        step_minutes: 30,
        refuse_doublons: true,
        requires_context: false,
        version: 1,
        follows_demarche: vec![
            "label".into(),
            "documents".into(),
            "duration_minutes".into(),
            "booking_window_days".into(),
            "min_notice_hours".into(),
            "cancellation_deadline_hours".into(),
        ],
    }
}

/// A page of motifs.
pub fn motif_page() -> MotifPage {
    MotifPage {
        items: vec![motif()],
        page: PageInfo {
            page: 1,
            per_page: 50,
            total: 1,
        },
    }
}

/// Free slots.
pub fn slot_list() -> SlotList {
    SlotList {
        motif_id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        time_zone: "Europe/Paris".into(),
        from: day("2026-12-01"),
        to: day("2026-12-01"),
        slots: vec![
            SlotResponse {
                start: at("2026-12-01T09:00:00+01:00"),
                end: at("2026-12-01T09:30:00+01:00"),
                remaining: 2,
            },
            SlotResponse {
                start: at("2026-12-01T09:30:00+01:00"),
                end: at("2026-12-01T10:00:00+01:00"),
                remaining: 3,
            },
        ],
    }
}

/// A hold request.
pub fn create_hold_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "start": "2026-12-01T09:00:00+01:00",
        "persons": 1
    })
}

/// A hold.
pub fn hold() -> Value {
    json!({
        "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e",
        "motif_id": MOTIF_ID,
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:30:00+01:00",
        "persons": 1,
        "expires_at": "2026-11-28T13:15:12Z"
    })
}

/// A booking request.
pub fn create_reservation_request() -> Value {
    json!({
        "hold_id": "0b7e4c2d-5a1f-4e3b-9c8d-7f6a5b4c3d2e",
        "applicant": {
            "last_name": "N'Diaye",
            "first_names": "Aïssata Marie",
            "birth_date": "1990-04-12",
            "email": "aissata.ndiaye@example.org",
            "phone": "+33 6 12 34 56 78",
            "nationality": "SEN"
        }
    })
}

/// A booked reservation.
pub fn reservation() -> Reservation {
    Reservation {
        reference: "K7QX-M3PA".into(),
        status: "booked".into(),
        start: at("2026-12-01T09:00:00+01:00"),
        end: at("2026-12-01T09:30:00+01:00"),
        persons: 1,
        motif: ReservationMotif {
            id: MOTIF_ID.into(),
            label: "Renouvellement de titre de séjour".into(),
            description:
                "Apportez le titre actuel, passeport, justificatif de domicile et 3 photos.".into(),
            duration_minutes: 30,
        },
        site: site(),
        applicant: ApplicantResponse {
            last_name: "N'Diaye".into(),
            first_names: "Aïssata Marie".into(),
            birth_date: day("1990-04-12"),
            email: "aissata.ndiaye@example.org".into(),
            phone: "+33612345678".into(),
            nationality: Some("SEN".into()),
            file_number: None,
        },
        created_at: at("2026-11-28T14:05:12+01:00"),
        cancelled_at: None,
    }
}

/// A cancelled reservation.
pub fn cancelled_reservation() -> Reservation {
    Reservation {
        status: "cancelled".into(),
        cancelled_at: Some(at("2026-11-29T10:12:40+01:00")),
        ..reservation()
    }
}

/// The answer to a booking.
pub fn reservation_created() -> ReservationCreated {
    ReservationCreated {
        reference: "K7QX-M3PA".into(),
        management_token: "3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a8c2f6b1d5e9a".into(),
        reservation: reservation(),
    }
}

/// A site's calendar.
pub fn site_calendar() -> SiteCalendar {
    let closed = |date: &str, code: &str, label: &str| ClosedDay {
        date: day(date),
        reason: "holiday".into(),
        holiday: code.into(),
        label: label.into(),
    };
    SiteCalendar {
        site_id: SITE_ID.into(),
        departement: "93".into(),
        time_zone: "Europe/Paris".into(),
        from: day("2026-12-01"),
        to: day("2027-01-31"),
        closed: vec![
            closed("2026-12-25", "noel", "Noël"),
            closed("2027-01-01", "jour_de_l_an", "Jour de l'an"),
        ],
        opened: vec![],
        closures: vec![],
    }
}

/// The first free slot of a site.
pub fn first_slot() -> crate::model::slot::FirstSlotResponse {
    crate::model::slot::FirstSlotResponse {
        site_id: SITE_ID.into(),
        motif_id: MOTIF_ID.into(),
        time_zone: "Europe/Paris".into(),
        searched_from: day("2026-11-30"),
        searched_until: day("2027-02-28"),
        slot: Some(SlotResponse {
            start: at("2026-12-03T09:30:00+01:00"),
            end: at("2026-12-03T10:00:00+01:00"),
            remaining: 1,
        }),
    }
}

/// An orientation answer.
pub fn orientation() -> crate::model::orientation::Orientation {
    use crate::model::orientation::{CommuneInfo, Orientation, SiteOffer};
    Orientation {
        demarche: "sejour-renouvellement".into(),
        commune: CommuneInfo {
            insee: "93008".into(),
            name: "Bobigny".into(),
            departement: "93".into(),
            arrondissement: Some("931".into()),
        },
        competent: Some(SiteOffer {
            site: site(),
            motif: motif(),
            first_slot: first_slot().slot,
            searched_until: Some(day("2027-02-28")),
        }),
        reason: Some("prefecture".into()),
        other_sites: vec![],
    }
}

/// An appointment as agents see it.
pub fn agent_reservation() -> Value {
    json!({
        "reference": "K7QX-M3PA",
        "status": "booked",
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:30:00+01:00",
        "persons": 1,
        "motif_id": MOTIF_ID,
        "motif": "Renouvellement de titre de séjour",
        "last_name": "N'Diaye",
        "first_names": "Aïssata Marie",
        "birth_date": "1990-04-12",
        "nationality": "SEN",
        "file_number": null,
        "email": "aissata.ndiaye@example.org",
        "phone": "+33612345678",
        "needs_rebooking": false,
        "created_at": "2026-11-28T14:05:12+01:00",
        "cancelled_at": null
    })
}

/// A convocation to issue.
pub fn issue_convocation_request() -> Value {
    json!({
        "motif_id": MOTIF_ID,
        "person": {
            "last_name": "N'Diaye",
            "first_names": "Aïssata Marie",
            "birth_date": "1990-04-12",
            "file_number": "7501234567",
            "email": "aissata.ndiaye@example.org"
        },
        "valid_days": 30,
        "earliest_day": "2026-12-07",
        "latest_day": "2026-12-31"
    })
}

/// A convocation, as agents see it.
pub fn convocation() -> crate::model::convocation::Convocation {
    crate::model::convocation::Convocation {
        id: "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f".into(),
        state: "issued".into(),
        motif_id: MOTIF_ID.into(),
        site_id: SITE_ID.into(),
        person: crate::model::convocation::ConvocationPersonResponse {
            last_name: "N'Diaye".into(),
            first_names: "Aïssata Marie".into(),
            birth_date: day("1990-04-12"),
            file_number: Some("7501234567".into()),
            email: Some("aissata.ndiaye@example.org".into()),
            phone: None,
        },
        valid_until: at("2026-12-28T10:00:00+01:00"),
        earliest_day: Some(day("2026-12-07")),
        latest_day: Some(day("2026-12-31")),
        issued_by: "agent:agent-bobigny-1".into(),
        issued_at: at("2026-11-28T10:00:00+01:00"),
        reservation_reference: None,
        revoked_at: None,
        revoked_by: None,
        revoke_reason: None,
    }
}

/// A convocation just issued.
pub fn convocation_issued() -> crate::model::convocation::ConvocationIssued {
    crate::model::convocation::ConvocationIssued {
        token: "8c2f6b1d5e9a3f9a6c1e0b7d4e2a8c5f1d9b3e7a0c4f6b2d8e1a5c9f3b7d0e4a".into(),
        convocation: convocation(),
    }
}

/// A convocation as its holder sees it.
pub fn convocation_summary() -> crate::model::convocation::ConvocationSummary {
    crate::model::convocation::ConvocationSummary {
        state: "issued".into(),
        motif_id: MOTIF_ID.into(),
        motif: "Remise de titre de séjour".into(),
        site: site(),
        valid_until: at("2026-12-28T10:00:00+01:00"),
        earliest_day: Some(day("2026-12-07")),
        latest_day: Some(day("2026-12-31")),
    }
}
