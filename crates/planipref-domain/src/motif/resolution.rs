//! Motif resolution: a motif's effective fields from what the
//! administrator sent ([`MotifInput`]) and its démarche's national defaults
//! ([`NationalDefaults`]). Each field the motif sets is its own and is
//! checked; each it leaves out follows the démarche, now and when the
//! démarche changes ([`ResolvedMotif`] says which is which). A motif
//! without a démarche must set its label and duration, and takes the
//! default booking rules for those it leaves out.

use super::check_duration;
use crate::booking_rules::BookingRules;
use crate::error::{Collector, DomainError, FieldError};
use crate::text::{check_description, check_name};

/// A motif's fields as an administrator sends them; those left out follow
/// its démarche (or, without one, the national defaults of booking rules;
/// label and duration are then required).
#[derive(Debug, Clone, Copy, Default)]
pub struct MotifInput<'a> {
    /// Label.
    pub label: Option<&'a str>,
    /// What to know.
    pub description: Option<&'a str>,
    /// Documents to bring, one line each.
    pub documents: Option<&'a [String]>,
    /// Length of an appointment, in minutes.
    pub duration_minutes: Option<u32>,
    /// Slots open this many days ahead.
    pub booking_window_days: Option<u32>,
    /// Booking closes this many hours before a slot.
    pub min_notice_hours: Option<u32>,
    /// Online cancellation closes this many hours before.
    pub cancellation_deadline_hours: Option<u32>,
}

/// A démarche's national defaults.
#[derive(Debug, Clone, Copy)]
pub struct NationalDefaults<'a> {
    /// Label.
    pub label: &'a str,
    /// Description.
    pub description: &'a str,
    /// Documents to bring.
    pub documents: &'a [String],
    /// Length of an appointment, in minutes.
    pub duration_minutes: u32,
    /// Booking rules.
    pub rules: BookingRules,
}

/// Which booking rules are a motif's own (the others follow its démarche).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RulesOverridden {
    /// `booking_window_days`.
    pub booking_window: bool,
    /// `min_notice_hours`.
    pub min_notice: bool,
    /// `cancellation_deadline_hours`.
    pub cancellation_deadline: bool,
}

/// A motif's effective fields, and which of them are its own (the others
/// follow the démarche, now and when it changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMotif {
    /// Label.
    pub label: String,
    /// Whether the label is the motif's own.
    pub label_overridden: bool,
    /// Description.
    pub description: String,
    /// Whether the description is the motif's own.
    pub description_overridden: bool,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// Whether the documents are the motif's own.
    pub documents_overridden: bool,
    /// Length of an appointment, in minutes.
    pub duration_minutes: u32,
    /// Whether the duration is the motif's own.
    pub duration_overridden: bool,
    /// Booking rules.
    pub rules: BookingRules,
    /// Which booking rules are the motif's own.
    pub rules_overridden: RulesOverridden,
}

/// Checks the fields sent and fills the others from the démarche. Without
/// a démarche, label and duration are required, and booking rules left out
/// take the national defaults.
pub fn resolve_motif(
    input: MotifInput<'_>,
    national: Option<NationalDefaults<'_>>,
) -> Result<ResolvedMotif, DomainError> {
    let mut c = Collector::default();
    let label = c
        .take(input.label.map(|l| check_name("label", l, 150)).transpose())
        .flatten();
    let description = c
        .take(
            input
                .description
                .map(|d| check_description("description", d, 4000))
                .transpose(),
        )
        .flatten();
    let documents = c
        .take(
            input
                .documents
                .map(|d| crate::motif::check_documents("documents", d))
                .transpose(),
        )
        .flatten();
    let duration = c
        .take(
            input
                .duration_minutes
                .map(|d| check_duration("duration_minutes", d))
                .transpose(),
        )
        .flatten();
    if national.is_none() {
        if input.label.is_none() {
            c.push(FieldError::new(
                "label",
                "is required for a motif without a démarche",
            ));
        }
        if input.duration_minutes.is_none() {
            c.push(FieldError::new(
                "duration_minutes",
                "is required for a motif without a démarche",
            ));
        }
    }
    let inherited_rules = national.map(|n| n.rules).unwrap_or_default();
    let rules = match inherited_rules
        .overridden_by(
            input.booking_window_days,
            input.min_notice_hours,
            input.cancellation_deadline_hours,
        )
        .check()
    {
        Ok(r) => Some(r),
        Err(DomainError::Invalid(errors)) => {
            errors.into_iter().for_each(|e| c.push(e));
            None
        }
        Err(other) => return Err(other),
    };
    c.finish()?;
    let own = national.is_none();
    Ok(ResolvedMotif {
        label_overridden: label.is_some(),
        label: label
            .or_else(|| national.map(|n| n.label.to_owned()))
            .unwrap_or_default(),
        description_overridden: description.is_some() || own,
        description: description
            .or_else(|| national.map(|n| n.description.to_owned()))
            .unwrap_or_default(),
        documents_overridden: documents.is_some() || own,
        documents: documents
            .or_else(|| national.map(|n| n.documents.to_vec()))
            .unwrap_or_default(),
        duration_overridden: duration.is_some(),
        duration_minutes: duration
            .or_else(|| national.map(|n| n.duration_minutes))
            .unwrap_or_default(),
        rules: rules.unwrap_or_default(),
        rules_overridden: RulesOverridden {
            booking_window: input.booking_window_days.is_some() || own,
            min_notice: input.min_notice_hours.is_some() || own,
            cancellation_deadline: input.cancellation_deadline_hours.is_some() || own,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_motif_overrides_what_it_sets_and_follows_its_demarche_for_the_rest() {
        let documents = vec!["SMS de mise à disposition".to_owned()];
        let national = NationalDefaults {
            label: "Remise",
            description: "Apportez le SMS.",
            documents: &documents,
            duration_minutes: 15,
            rules: BookingRules {
                booking_window_days: 30,
                min_notice_hours: 48,
                cancellation_deadline_hours: 12,
            },
        };
        let own_label = MotifInput {
            label: Some(" Retrait "),
            ..Default::default()
        };
        let m = resolve_motif(own_label, Some(national)).expect("valid");
        assert_eq!((m.label.as_str(), m.label_overridden), ("Retrait", true));
        assert_eq!(
            (m.description.as_str(), m.description_overridden),
            ("Apportez le SMS.", false)
        );
        assert_eq!((m.duration_minutes, m.duration_overridden), (15, false));
        assert_eq!(
            (m.documents.clone(), m.documents_overridden),
            (documents.clone(), false)
        );
        assert_eq!(m.rules, national.rules);
        assert_eq!(m.rules_overridden, RulesOverridden::default());
        let own_rule = MotifInput {
            min_notice_hours: Some(2),
            documents: Some(&[]),
            ..Default::default()
        };
        let m = resolve_motif(own_rule, Some(national)).expect("valid");
        assert_eq!(
            (
                m.rules.booking_window_days,
                m.rules.min_notice_hours,
                m.rules.cancellation_deadline_hours
            ),
            (30, 2, 12)
        );
        assert!(m.rules_overridden.min_notice && !m.rules_overridden.booking_window);
        assert_eq!((m.documents.len(), m.documents_overridden), (0, true));
        let fields = |r: Result<ResolvedMotif, DomainError>| match r {
            Err(DomainError::Invalid(e)) => e.into_iter().map(|e| e.field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields(resolve_motif(MotifInput::default(), None)),
            vec!["label", "duration_minutes"]
        );
        let bad_documents = vec![String::new()];
        let bad = MotifInput {
            duration_minutes: Some(7),
            documents: Some(&bad_documents),
            booking_window_days: Some(0),
            ..Default::default()
        };
        assert_eq!(
            fields(resolve_motif(bad, Some(national))),
            vec!["documents[0]", "duration_minutes", "booking_window_days"]
        );
        let standalone = MotifInput {
            label: Some("Accueil"),
            duration_minutes: Some(30),
            ..Default::default()
        };
        let m = resolve_motif(standalone, None).expect("valid");
        assert!(m.label_overridden && m.description_overridden && m.duration_overridden);
        assert_eq!(
            m.rules,
            BookingRules::default(),
            "national defaults without a démarche"
        );
        assert!(m.rules_overridden.booking_window && m.documents_overridden);
        let rules = BookingRules::default().overridden_by(Some(14), None, Some(0));
        assert_eq!(
            (
                rules.booking_window_days,
                rules.min_notice_hours,
                rules.cancellation_deadline_hours
            ),
            (14, 24, 0)
        );
    }
}
