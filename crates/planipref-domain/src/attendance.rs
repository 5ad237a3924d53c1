//! The counter's day: what happens to an appointment once its day has come.
//!
//! After `booked`, an appointment is `checked_in` when the person arrives,
//! `called` when an agent calls them to a guichet, `done` when they leave
//! it, or `no_show` when they never came (set by an agent, or by a task
//! once the préfecture's delay after the start has passed). Each step is
//! allowed only from some statuses: the API answers 409 naming the current
//! status otherwise. The last step can be undone for a short while, with a
//! reason, when an agent pressed the wrong button.
//!
//! From the step times come the figures agents asked for: waiting (from
//! arrival, or the appointment's start when the person came early, to the
//! call) and service (from the call to the end).

use chrono::{DateTime, Duration, Utc};

/// What an appointment's status can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Booked, nobody has come yet.
    Booked,
    /// Cancelled by the applicant or an agent.
    Cancelled,
    /// The person has arrived and waits.
    CheckedIn,
    /// An agent has called them to a guichet.
    Called,
    /// Served.
    Done,
    /// Never came.
    NoShow,
}

impl Status {
    /// Every status, in the order of a day.
    pub const ALL: [Self; 6] = [
        Self::Booked,
        Self::CheckedIn,
        Self::Called,
        Self::Done,
        Self::NoShow,
        Self::Cancelled,
    ];

    /// Its code in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Cancelled => "cancelled",
            Self::CheckedIn => "checked_in",
            Self::Called => "called",
            Self::Done => "done",
            Self::NoShow => "no_show",
        }
    }

    /// The status named `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the appointment still keeps its guichet's time (every
    /// status but `cancelled`; `done` and `no_show` keep what had passed).
    pub fn keeps_time(self) -> bool {
        self != Self::Cancelled
    }

    /// Whether the person is still expected or being served: counted as a
    /// coming appointment for doublons and the per-person limit.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Booked | Self::CheckedIn | Self::Called)
    }
}

/// A step of the counter's day, as agents record them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The person has arrived.
    CheckIn,
    /// An agent calls them to a guichet.
    Call,
    /// Served.
    Done,
    /// Never came (or left before being served).
    NoShow,
}

impl Step {
    /// Every step.
    pub const ALL: [Self; 4] = [Self::CheckIn, Self::Call, Self::Done, Self::NoShow];

    /// The step's name in the API's paths and in histories.
    pub fn code(self) -> &'static str {
        match self {
            Self::CheckIn => "check-in",
            Self::Call => "call",
            Self::Done => "done",
            Self::NoShow => "no-show",
        }
    }

    /// The history's action for this step (the status it leads to).
    pub fn action(self) -> &'static str {
        self.target().code()
    }

    /// The status the step leads to.
    pub fn target(self) -> Status {
        match self {
            Self::CheckIn => Status::CheckedIn,
            Self::Call => Status::Called,
            Self::Done => Status::Done,
            Self::NoShow => Status::NoShow,
        }
    }

    /// The step that led to `status`, if a step did.
    pub fn leading_to(status: Status) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.target() == status)
    }

    /// The statuses it may be taken from. A person is called once: of two
    /// agents calling the same person, one wins (to call them elsewhere,
    /// undo the call and call again). A person expected, waiting or called
    /// may turn out absent (no-show).
    pub fn allowed_from(self) -> &'static [Status] {
        match self {
            Self::CheckIn => &[Status::Booked],
            Self::Call => &[Status::CheckedIn],
            Self::Done => &[Status::Called],
            Self::NoShow => &[Status::Booked, Status::CheckedIn, Status::Called],
        }
    }

    /// The status after this step from `current`, or `current` itself when
    /// the step is not allowed from it (the API's 409 names it).
    pub fn apply(self, current: Status) -> Result<Status, Status> {
        if self.allowed_from().contains(&current) {
            Ok(self.target())
        } else {
            Err(current)
        }
    }

    /// The status after this step, taken at `now` on an appointment in
    /// `current` starting at `start`. A person expected may be marked
    /// absent once their time has come; one who arrived (even early) and
    /// left, at any time.
    pub fn take(
        self,
        current: Status,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Status, StepRefusal> {
        let next = self.apply(current).map_err(StepRefusal::WrongStatus)?;
        if self == Self::NoShow && current == Status::Booked && start > now {
            return Err(StepRefusal::NotStarted);
        }
        Ok(next)
    }

    /// Whether taking this step frees the guichet's time still to come
    /// (the person has left, or never came): what had passed stays taken.
    pub fn frees_rest(self) -> bool {
        matches!(self, Self::Done | Self::NoShow)
    }
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRefusal {
    /// Not from this status (named).
    WrongStatus(Status),
    /// Absent before the appointment has started.
    NotStarted,
}

/// How long after a step it can still be undone, minutes.
pub const UNDO_MINUTES: i64 = 15;

/// Why a step cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoRefusal {
    /// No step has been taken since the booking (or the last was undone).
    NothingToUndo,
    /// The last step is older than [`UNDO_MINUTES`].
    TooLate,
}

/// Whether the last step, taken at `taken_at`, can still be undone at `now`.
pub fn may_undo(taken_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), UndoRefusal> {
    if now - taken_at <= Duration::minutes(UNDO_MINUTES) {
        Ok(())
    } else {
        Err(UndoRefusal::TooLate)
    }
}

/// The last step still standing in a history (oldest first: each entry's
/// action and time), when it was taken, and the status before it: steps
/// push, undos pop. `None` when every step was undone, or none taken.
pub fn last_step<'a>(
    history: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>,
) -> Option<(Step, DateTime<Utc>, Status)> {
    let mut standing: Vec<(Step, DateTime<Utc>)> = Vec::new();
    for (action, at) in history {
        if action == UNDONE {
            standing.pop();
        } else if let Some(step) = Status::from_code(action).and_then(Step::leading_to) {
            standing.push((step, at));
        }
    }
    let (step, at) = *standing.last()?;
    let before = match standing.len() {
        1 => Status::Booked,
        n => standing[n - 2].0.target(),
    };
    Some((step, at, before))
}

/// The history's action for an undone step.
pub const UNDONE: &str = "undone";

/// Default delay after an appointment's start after which one still
/// `booked` is recorded as a no-show, minutes.
pub const DEFAULT_NO_SHOW_AFTER_MINUTES: u32 = 30;
/// Default horizon within which a walk-in may take public time, minutes.
pub const DEFAULT_WALK_IN_HORIZON_MINUTES: u32 = 60;
/// Default number of appointments one agent may book for others in a day.
pub const DEFAULT_AGENT_DAILY_BOOKINGS: u32 = 100;

/// Whether an appointment starting at `start`, still `booked` at `now`, is
/// a no-show by the préfecture's rule (`after_minutes` past its start).
pub fn is_no_show(start: DateTime<Utc>, after_minutes: u32, now: DateTime<Utc>) -> bool {
    now >= start + Duration::minutes(i64::from(after_minutes))
}

/// The latest start of an appointment that is a no-show at `now`.
pub fn no_show_cutoff(now: DateTime<Utc>, after_minutes: u32) -> DateTime<Utc> {
    now - Duration::minutes(i64::from(after_minutes))
}

/// Minutes waited: from arrival (or the appointment's start, when the
/// person came early: nobody waits for being early) to the call. None
/// until both are known; never negative (called before their time).
pub fn waiting_minutes(
    start: DateTime<Utc>,
    arrived: Option<DateTime<Utc>>,
    called: Option<DateTime<Utc>>,
) -> Option<i64> {
    let (arrived, called) = (arrived?, called?);
    Some((called - arrived.max(start)).num_minutes().max(0))
}

/// Minutes at the guichet: from the call to the end. None until both are
/// known.
pub fn service_minutes(called: Option<DateTime<Utc>>, done: Option<DateTime<Utc>>) -> Option<i64> {
    Some((done? - called?).num_minutes().max(0))
}

/// Bounds of the préfecture's counter settings, for the API's 422.
pub mod settings {
    use crate::error::FieldError;

    /// `no_show_after_minutes`: 5 minutes to 4 hours.
    pub const NO_SHOW_AFTER: std::ops::RangeInclusive<u32> = 5..=240;
    /// `walk_in_horizon_minutes`: 0 (walk-in counters only) to 8 hours.
    pub const WALK_IN_HORIZON: std::ops::RangeInclusive<u32> = 0..=480;
    /// `agent_daily_bookings`: 1 to 1,000.
    pub const AGENT_DAILY_BOOKINGS: std::ops::RangeInclusive<u32> = 1..=1000;

    /// Checks `value` sent as `field` against `bounds`.
    pub fn check(
        field: &str,
        value: u32,
        bounds: &std::ops::RangeInclusive<u32>,
    ) -> Result<u32, FieldError> {
        if bounds.contains(&value) {
            Ok(value)
        } else {
            Err(FieldError::new(
                field,
                format!("must be between {} and {}", bounds.start(), bounds.end()),
            ))
        }
    }
}

#[cfg(test)]
mod take_tests {
    use super::*;

    #[test]
    fn a_person_expected_is_absent_only_once_their_time_has_come() {
        let start = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let before = start - chrono::Duration::minutes(1);
        assert_eq!(
            Step::NoShow.take(Status::Booked, start, before),
            Err(StepRefusal::NotStarted)
        );
        assert_eq!(
            Step::NoShow.take(Status::Booked, start, start),
            Ok(Status::NoShow)
        );
        // Arrived early, then left.
        assert_eq!(
            Step::NoShow.take(Status::CheckedIn, start, before),
            Ok(Status::NoShow)
        );
        assert_eq!(
            Step::Done.take(Status::Booked, start, start),
            Err(StepRefusal::WrongStatus(Status::Booked))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn a_day_goes_booked_checked_in_called_done() {
        let mut s = Status::Booked;
        for step in [Step::CheckIn, Step::Call, Step::Done] {
            s = step.apply(s).expect("allowed");
        }
        assert_eq!(s, Status::Done);
    }

    #[test]
    fn steps_out_of_order_name_the_current_status() {
        assert_eq!(Step::Call.apply(Status::Booked), Err(Status::Booked));
        assert_eq!(Step::Done.apply(Status::CheckedIn), Err(Status::CheckedIn));
        assert_eq!(Step::CheckIn.apply(Status::Called), Err(Status::Called));
        assert_eq!(Step::Call.apply(Status::Called), Err(Status::Called));
        for step in Step::ALL {
            assert_eq!(step.apply(Status::Cancelled), Err(Status::Cancelled));
            assert_eq!(step.apply(Status::Done), Err(Status::Done));
            assert_eq!(step.apply(Status::NoShow), Err(Status::NoShow));
        }
        assert_eq!(Step::NoShow.apply(Status::Called), Ok(Status::NoShow));
    }

    #[test]
    fn codes_round_trip_and_steps_are_found_by_their_status() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        for step in Step::ALL {
            assert_eq!(Step::leading_to(step.target()), Some(step));
        }
        assert_eq!(Step::leading_to(Status::Booked), None);
        assert!(Status::CheckedIn.is_pending() && !Status::Done.is_pending());
        assert!(Status::NoShow.keeps_time() && !Status::Cancelled.keeps_time());
    }

    #[test]
    fn a_step_can_be_undone_for_fifteen_minutes() {
        let t = at("2026-12-07T09:00:00Z");
        assert_eq!(may_undo(t, at("2026-12-07T09:15:00Z")), Ok(()));
        assert_eq!(
            may_undo(t, at("2026-12-07T09:15:01Z")),
            Err(UndoRefusal::TooLate)
        );
    }

    #[test]
    fn waiting_counts_from_the_later_of_arrival_and_start() {
        let start = at("2026-12-07T09:00:00Z");
        // Early: waits from the start.
        assert_eq!(
            waiting_minutes(
                start,
                Some(at("2026-12-07T08:40:00Z")),
                Some(at("2026-12-07T09:12:00Z"))
            ),
            Some(12)
        );
        // Late: waits from arrival.
        assert_eq!(
            waiting_minutes(
                start,
                Some(at("2026-12-07T09:20:00Z")),
                Some(at("2026-12-07T09:27:00Z"))
            ),
            Some(7)
        );
        // Called before their time: no negative wait.
        assert_eq!(
            waiting_minutes(
                start,
                Some(at("2026-12-07T08:40:00Z")),
                Some(at("2026-12-07T08:50:00Z"))
            ),
            Some(0)
        );
        assert_eq!(waiting_minutes(start, None, Some(start)), None);
        assert_eq!(
            service_minutes(Some(start), Some(at("2026-12-07T09:18:30Z"))),
            Some(18)
        );
        assert_eq!(service_minutes(Some(start), None), None);
    }

    #[test]
    fn the_last_step_standing_comes_from_the_history() {
        let t = |m: u32| at(&format!("2026-12-07T09:{m:02}:00Z"));
        assert_eq!(last_step([("created", t(0))]), None);
        let day = [
            ("created", t(0)),
            ("checked_in", t(1)),
            ("called", t(5)),
            ("undone", t(6)),
        ];
        assert_eq!(last_step(day), Some((Step::CheckIn, t(1), Status::Booked)));
        let day = [("checked_in", t(1)), ("called", t(5)), ("done", t(9))];
        assert_eq!(last_step(day), Some((Step::Done, t(9), Status::Called)));
        assert_eq!(last_step([("checked_in", t(1)), ("undone", t(2))]), None);
        // Walk-ins are checked in at creation: undoing their first step
        // gives `booked`, which agents then check in again.
        assert_eq!(
            last_step([("no_show", t(30))]),
            Some((Step::NoShow, t(30), Status::Booked))
        );
    }

    #[test]
    fn a_no_show_is_due_after_the_delay() {
        let start = at("2026-12-07T09:00:00Z");
        assert!(!is_no_show(start, 30, at("2026-12-07T09:29:59Z")));
        assert!(is_no_show(start, 30, at("2026-12-07T09:30:00Z")));
        assert_eq!(no_show_cutoff(at("2026-12-07T09:30:00Z"), 30), start);
    }

    #[test]
    fn settings_are_bounded() {
        assert!(settings::check("no_show_after_minutes", 30, &settings::NO_SHOW_AFTER).is_ok());
        let e = settings::check("no_show_after_minutes", 2, &settings::NO_SHOW_AFTER)
            .expect_err("too short");
        assert_eq!(e.field, "no_show_after_minutes");
        assert!(settings::check("walk_in_horizon_minutes", 0, &settings::WALK_IN_HORIZON).is_ok());
        assert!(
            settings::check("agent_daily_bookings", 0, &settings::AGENT_DAILY_BOOKINGS).is_err()
        );
    }
}
