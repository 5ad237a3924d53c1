//! Booking an appointment: where it goes (a hold to confirm, or a motif and a start, placed by `placement`), the checks on the person and the convocation, and the reservation written with its secret token.
use crate::app::convocations::access_for;
use crate::app::file_checks::pending_check;
use crate::app::overbooking::booking_channel;
use crate::app::overbooking::place_or_overbook;
use crate::app::placement::Placement;
use crate::app::sealing::NewToken;
use crate::app::slots::Access;
use crate::app::slots::ContextCheck;
use crate::http::error::ApiError;
use crate::model::fields::at_site;
use crate::model::fields::parse_motif_id;
use crate::model::fields::parse_start;
use crate::model::reservation::ApplicantResponse;
use crate::model::reservation::CreateReservationRequest;
use crate::model::reservation::Reservation;
use crate::model::reservation::ReservationMotif;
use crate::model::site::Site;
use crate::model::site::site_zone;
use chrono::DateTime;
use chrono::Utc;
use planipref_domain::DomainError;
use planipref_domain::FieldError;
use planipref_domain::applicant::Applicant;
use planipref_domain::applicant::ApplicantInput;
use planipref_domain::channel::BookingChannel;
use planipref_domain::context::RouterContext;
use planipref_domain::error::Collector;
use planipref_domain::file_check::FileStatusConnector;
use planipref_domain::ids::HoldId;
use planipref_domain::ids::MotifId;
use planipref_domain::messages::Language;
use planipref_domain::motif::BookingMode;
use planipref_domain::motif::check_persons;
use planipref_domain::motif::doublon_scope;
use planipref_domain::reference::Reference;
use planipref_domain::reference::TOKEN_BYTES;
use planipref_domain::reference::token_matches;
use planipref_store::NewReservation;
use planipref_store::Origin;
use planipref_store::ReservationDetail;
use planipref_store::Store;
use planipref_store::from_db;
use planipref_store::models::MotifRow;
use planipref_store::models::ReservationRow;
use planipref_store::models::SiteRow;

/// What a booking takes: a hold, or a slot.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Confirm this hold.
    Hold(HoldId),
    /// Book this slot for this many persons.
    Slot(MotifId, DateTime<Utc>, u32),
}

/// Checks the whole request, reporting every invalid field at once.
pub fn validate(
    body: &CreateReservationRequest,
    now: DateTime<Utc>,
) -> Result<(Target, Applicant, Language), ApiError> {
    let mut c = Collector::default();
    let language = c.take(Language::parse("language", body.language.as_deref()));
    let target = match (&body.hold_id, &body.motif_id, &body.start) {
        (Some(hold), None, None) => {
            if body.persons.is_some() {
                c.push(FieldError::new(
                    "persons",
                    "is the hold's: leave it out with hold_id",
                ));
            }
            c.take(
                hold.trim()
                    .parse::<HoldId>()
                    .map(Target::Hold)
                    .map_err(|_| FieldError::new("hold_id", "must be a hold identifier (UUID)")),
            )
        }
        (Some(_), ..) => {
            c.push(FieldError::new(
                "hold_id",
                "give either hold_id, or motif_id and start, not both",
            ));
            None
        }
        (None, motif, start) => {
            let motif = c.take(parse_motif_id(motif.as_deref()));
            let start = c.take(parse_start(start.as_deref()));
            let persons = body.persons.unwrap_or(1);
            c.take(check_persons("persons", persons));
            motif.zip(start).map(|(m, s)| Target::Slot(m, s, persons))
        }
    };
    let a = &body.applicant;
    let input = ApplicantInput {
        last_name: &a.last_name,
        first_names: &a.first_names,
        birth_date: &a.birth_date,
        email: &a.email,
        phone: &a.phone,
        nationality: a.nationality.as_deref(),
        file_number: a.file_number.as_deref(),
    };
    // The latest calendar date anywhere on Earth (UTC+14): nobody is turned
    // away for being born "tomorrow" in UTC.
    let latest_today = (now + chrono::Duration::hours(14)).date_naive();
    let applicant = match Applicant::parse(input, latest_today) {
        Ok(a) => Some(a),
        Err(DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("applicant.{}", e.field), e.message));
            }
            None
        }
        Err(e) => return Err(e.into()),
    };
    c.finish()?;
    match (target, applicant, language) {
        (Some(t), Some(a), Some(l)) => Ok((t, a, l)),
        _ => Err(ApiError::Internal),
    }
}

/// Where a booking's file number is sent, as problems name it.
pub const FILE_NUMBER_FIELD: &str = "applicant.file_number";

/// A préfecture's limit of appointments per person, as stored.
pub fn limit(stored: i32) -> u32 {
    u32::try_from(stored).unwrap_or(planipref_domain::quota::DEFAULT_ACTIVE_PER_PERSON)
}

/// The démarche a motif books, as doublons are counted.
pub fn demarche_key(motif: &MotifRow) -> String {
    doublon_scope(motif.demarche_code.as_deref(), &motif.id)
}

/// The reservation of `motif_id` at `start` for `persons` that `placed`
/// allows, for `applicant`, written by `actor` at `now` with the token
/// hashing to `token_hash`: what the placement decides (site, end, zone,
/// the démarche doublons count in, the person's limit, an extra place)
/// and, for the rest, a plain online booking (no convocation, the web
/// channel, French, nothing sealed, no file check) that callers amend.
pub fn placed_reservation(
    placed: &Placement,
    (motif_id, start, persons): (MotifId, DateTime<Utc>, u32),
    applicant: Applicant,
    (token_hash, actor, now): (String, String, DateTime<Utc>),
) -> Result<NewReservation, ApiError> {
    let motif = &placed.schedule.motif;
    Ok(NewReservation {
        site_id: placed
            .schedule
            .site
            .id
            .parse()
            .map_err(|_| ApiError::Internal)?,
        motif_id,
        start,
        end: placed.end,
        applicant,
        token_hash,
        actor,
        now,
        time_zone: placed.time_zone,
        persons,
        demarche_code: demarche_key(motif),
        refuse_doublons: motif.refuse_doublons,
        convocation: None,
        max_active_per_person: limit(placed.schedule.rules.max_active_per_person),
        origin: Origin::default(),
        language: Language::Fr.code().to_owned(),
        sealed_token: None,
        extra: placed.extra,
        file_check: None,
    })
}

/// Who books: the applicant online, or an agent for them.
#[derive(Debug, Clone)]
pub struct Booker {
    /// `applicant` or `agent:<sub>`, for the history.
    pub actor: String,
    /// How (channel, organisation, the agent's daily cap…).
    pub origin: Origin,
}

impl Booker {
    /// The applicant, online.
    pub fn applicant() -> Self {
        Self {
            actor: "applicant".to_owned(),
            origin: Origin::default(),
        }
    }

    /// Whether an agent books (the router's context is then not asked
    /// for: agents book outside service-public.fr).
    fn is_agent(&self) -> bool {
        self.origin.channel != BookingChannel::Web
    }
}

/// Books `target` for `applicant`, with the convocation and router context
/// presented, if any, once the applicant's file number passes the
/// démarche's file check (asked through `files`), when it has one.
pub fn book(
    store: &Store,
    (target, convocation, context): (Target, Option<&str>, Option<&RouterContext>),
    (applicant, booker): (Applicant, &Booker),
    token: NewToken,
    (now, files): (DateTime<Utc>, &dyn FileStatusConnector),
) -> Result<ReservationDetail, ApiError> {
    let number = (applicant.file_number.clone(), FILE_NUMBER_FIELD);
    match target {
        Target::Slot(motif_id, start, persons) => {
            let (access, convocation) = access_for(store, convocation, motif_id, now)?;
            let pending = pending_check(
                store,
                &motif_id.to_string(),
                (number.0.as_deref(), number.1),
            )?;
            let check = if booker.is_agent() {
                ContextCheck::Skipped
            } else {
                ContextCheck::Checked(context)
            };
            let channel = booking_channel(booker.origin.channel, convocation.is_some());
            let placed = place_or_overbook(
                store,
                (motif_id, start, persons),
                (access, check),
                channel,
                now,
            )?;
            // The system is asked once the slot is known to be free.
            let file_check = pending.map(|p| p.run(files, None)).transpose()?;
            let new = NewReservation {
                convocation,
                origin: booker.origin.clone(),
                language: token.language.code().to_owned(),
                sealed_token: token.sealed.clone(),
                file_check: file_check.map(|c| c.file),
                ..placed_reservation(
                    &placed,
                    (motif_id, start, persons),
                    applicant,
                    (token.hash.clone(), booker.actor.clone(), now),
                )?
            };
            let row = store
                .create_reservation(&new, &placed.candidates, new_reference)
                .map_err(|e| ApiError::from_store(e, "motif"))?;
            crate::telemetry::booked(new.channel());
            Ok(ReservationDetail {
                reservation: row,
                motif: placed.schedule.motif,
                site: placed.schedule.site,
            })
        }
        Target::Hold(hold_id) => {
            // Its motif and site; whether it is still live is checked when
            // it is confirmed (410 once expired).
            let (hold, motif, site, rules) = store
                .find_hold_to_confirm(hold_id)
                .map_err(|e| ApiError::from_store(e, "hold"))?;
            let motif_id: MotifId = hold.motif_id.parse().map_err(|_| ApiError::Internal)?;
            let (access, convocation) = access_for(store, convocation, motif_id, now)?;
            RouterContext::check_motif(
                context,
                motif.demarche_code.as_deref(),
                motif.requires_context,
            )
            .map_err(ApiError::Context)?;
            if access == Access::Public
                && motif.settings().booking_mode == BookingMode::ConvocationOnly
            {
                return Err(ApiError::ConvocationRequired);
            }
            let file_check = pending_check(store, &motif.id, (number.0.as_deref(), number.1))?
                .map(|p| p.run(files, Some(&hold)))
                .transpose()?;
            let new = NewReservation {
                site_id: site.id.parse().map_err(|_| ApiError::Internal)?,
                motif_id,
                start: from_db(hold.starts_at),
                end: from_db(hold.ends_at),
                applicant,
                token_hash: token.hash.clone(),
                actor: booker.actor.clone(),
                now,
                time_zone: site_zone(&site)?,
                persons: u32::try_from(hold.persons).unwrap_or(1),
                demarche_code: demarche_key(&motif),
                refuse_doublons: motif.refuse_doublons,
                convocation,
                max_active_per_person: limit(rules.max_active_per_person),
                origin: booker.origin.clone(),
                language: token.language.code().to_owned(),
                sealed_token: token.sealed.clone(),
                // The hold says whether it is an extra place.
                extra: None,
                file_check: file_check.map(|c| c.file),
            };
            let row = store
                .confirm_hold(hold_id, &new, new_reference)
                .map_err(|e| ApiError::from_store(e, "hold"))?;
            crate::telemetry::booked(new.channel());
            Ok(ReservationDetail {
                reservation: row,
                motif,
                site,
            })
        }
    }
}

/// The reservation named by `raw_reference` if `token` is its management
/// token; otherwise "not found", whichever part was wrong.
pub fn authorised(
    store: &Store,
    raw_reference: &str,
    token: &str,
) -> Result<ReservationDetail, ApiError> {
    let not_found = ApiError::NotFound("reservation");
    let Some(reference) = Reference::parse(raw_reference) else {
        return Err(not_found);
    };
    let detail = store
        .find_reservation(&reference)
        .map_err(|e| ApiError::from_store(e, "reservation"))?;
    if token_matches(&detail.reservation.token_hash, token) {
        Ok(detail)
    } else {
        Err(not_found)
    }
}

pub fn reservation_response(detail: ReservationDetail) -> Result<Reservation, ApiError> {
    let ReservationDetail {
        reservation: r,
        motif,
        site,
    } = detail;
    let tz = site_zone(&site)?;
    Ok(to_reservation(r, motif, site, tz))
}

pub fn to_reservation(
    r: ReservationRow,
    m: MotifRow,
    site: SiteRow,
    tz: chrono_tz::Tz,
) -> Reservation {
    Reservation {
        reference: r.reference,
        status: r.status,
        start: at_site(from_db(r.starts_at), tz),
        end: at_site(from_db(r.ends_at), tz),
        persons: u32::try_from(r.persons).unwrap_or(1),
        motif: ReservationMotif {
            id: m.id,
            label: m.label,
            description: m.description,
            language: planipref_domain::language::SOURCE_LANGUAGE.to_owned(),
            duration_minutes: m.duration_minutes,
        },
        site: Site::from(site),
        applicant: ApplicantResponse {
            last_name: r.last_name,
            first_names: r.first_names,
            birth_date: r.birth_date,
            email: r.email,
            phone: r.phone,
            nationality: r.nationality,
            file_number: r.file_number,
        },
        created_at: at_site(from_db(r.created_at), tz),
        cancelled_at: r.cancelled_at.map(|t| at_site(from_db(t), tz)),
    }
}

/// When a time freed now at `site` is offered again: after a random delay
/// within its préfecture's bounds.
pub fn release_at(
    store: &Store,
    site: &SiteRow,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ApiError> {
    let rules = store
        .prefecture_rules(&site.prefecture_code)
        .map_err(ApiError::from)?
        .release();
    Ok(now + rules.release_delay(random_draw()?))
}

/// A random number, for the moments nobody may predict.
pub fn random_draw() -> Result<u64, ApiError> {
    let mut draw = [0u8; 8];
    getrandom::fill(&mut draw).map_err(|e| {
        log::error!("no randomness available: {e}");
        ApiError::Internal
    })?;
    Ok(u64::from_le_bytes(draw))
}

pub fn random_bytes() -> Result<[u8; TOKEN_BYTES], ApiError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| {
        log::error!("no randomness available: {e}");
        ApiError::Internal
    })?;
    Ok(bytes)
}

/// A fresh random reference. Should the system's randomness fail (it does
/// not on Linux), random UUIDs stand in rather than failing the booking.
pub fn new_reference() -> Reference {
    loop {
        let mut bytes = [0u8; 32];
        if getrandom::fill(&mut bytes).is_err() {
            bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
            bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        if let Some(r) = Reference::from_random_bytes(&bytes) {
            return r;
        }
    }
}
