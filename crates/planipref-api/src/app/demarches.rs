//! A démarche's national defaults read from a request.
use crate::http::error::ApiError;
use crate::model::demarche::DemarcheRequest;
use planipref_domain::FieldError;
use planipref_domain::booking_rules::BookingRules;
use planipref_domain::error::Collector;
use planipref_domain::motif::check_documents;
use planipref_domain::motif::check_duration;
use planipref_domain::text::check_description;
use planipref_domain::text::check_name;
use planipref_store::models::DemarcheRow;
use planipref_store::models::documents_to_json;

/// The checked defaults of a démarche, written into `row`.
pub fn apply(mut row: DemarcheRow, body: &DemarcheRequest) -> Result<DemarcheRow, ApiError> {
    let mut c = Collector::default();
    let label = c.take(check_name("label", &body.label, 150));
    let description = c.take(check_description("description", &body.description, 4000));
    let documents = c.take(check_documents("documents", &body.documents));
    let duration = c.take(check_duration(
        "default_duration_minutes",
        body.default_duration_minutes,
    ));
    let rules = BookingRules::default()
        .overridden_by(
            body.default_booking_window_days,
            body.default_min_notice_hours,
            body.default_cancellation_deadline_hours,
        )
        .check();
    let rules = match rules {
        Ok(r) => Some(r),
        Err(planipref_domain::DomainError::Invalid(errors)) => {
            for e in errors {
                c.push(FieldError::new(format!("default_{}", e.field), e.message));
            }
            None
        }
        Err(other) => return Err(other.into()),
    };
    c.finish()?;
    let (Some(label), Some(description), Some(documents), Some(duration), Some(rules)) =
        (label, description, documents, duration, rules)
    else {
        return Err(ApiError::Internal);
    };
    row.label = label;
    row.description = description;
    row.documents = documents_to_json(&documents);
    row.default_duration_minutes = i32::try_from(duration).map_err(|_| ApiError::Internal)?;
    row.set_default_rules(rules);
    Ok(row)
}
