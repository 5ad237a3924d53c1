//! A reservation's calendar file, as the applicant downloads it and as
//! confirmations attach it (see `planipref_domain::ics`).

use chrono::{DateTime, Utc};
use planipref_domain::ics::{AppointmentFacts, appointment_calendar};

use crate::models::status;
use crate::{ReservationDetail, from_db};

impl ReservationDetail {
    /// The calendar file of the appointment, made at `now`; `None` when its
    /// site's time zone is not one (never, for sites written by the API).
    pub fn calendar(&self, now: DateTime<Utc>) -> Option<String> {
        let (r, motif, site) = (&self.reservation, &self.motif, &self.site);
        let documents = motif.document_list();
        Some(appointment_calendar(
            &AppointmentFacts {
                id: &r.id,
                reference: &r.reference,
                persons: i64::from(r.persons),
                start: from_db(r.starts_at),
                end: from_db(r.ends_at),
                time_zone: site.time_zone.parse().ok()?,
                motif: &motif.label,
                documents: &documents,
                instructions: &motif.instructions,
                site_name: &site.name,
                address: (&site.address_line, &site.postal_code, &site.city),
                cancelled: r.status == status::CANCELLED,
            },
            now,
        ))
    }
}
