//! `planipref import`: plannings and future appointments from the module
//! Planipref replaces, read from its CSV exports (columns in
//! docs/imports.md).
//!
//! A file is read and checked whole first: every bad line is reported
//! (line, column, reason), and then nothing is written. Each line carries
//! the former module's identifier (`…external_id`): what was imported
//! once is recognised on the next run (unchanged, or changed since and
//! left as it is here: changes are made in Planipref from then on), so a
//! run can be repeated. Written objects go through the same rules, audit
//! and occupancy as those made through the API.

mod plannings;
mod reservations;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use planipref_api::ApiError;
use planipref_domain::access::{Agent, Role, Scope};
use planipref_store::imports::Imported;
use sha2::{Digest, Sha256};

pub use plannings::import_plannings;
pub use reservations::import_reservations;

/// One reason a line is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// The column concerned (empty when it is the whole line).
    pub column: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.reason
            )
        }
    }
}

/// What a run did (or, dry, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Objects created, by kind.
    pub created: HashMap<&'static str, usize>,
    /// Lines already imported and unchanged.
    pub unchanged: usize,
    /// Lines already imported and changed since: left as they are here.
    pub changed: Vec<String>,
    /// Appointments whose reference was taken here: (former, new).
    pub renamed: Vec<(String, String)>,
    /// Every bad line.
    pub errors: Vec<LineError>,
}

impl Report {
    /// A line-by-line account, for the operator.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&format!("{e}\n"));
        }
        if !self.errors.is_empty() {
            out.push_str(&format!(
                "{} error(s): nothing was written\n",
                self.errors.len()
            ));
            return out;
        }
        let verb = if self.dry_run {
            "would create"
        } else {
            "created"
        };
        let mut kinds: Vec<_> = self.created.iter().collect();
        kinds.sort();
        for (kind, n) in kinds {
            out.push_str(&format!("{verb} {n} {kind}(s)\n"));
        }
        out.push_str(&format!("unchanged: {}\n", self.unchanged));
        for id in &self.changed {
            out.push_str(&format!(
                "changed since imported, left as it is in Planipref: {id}\n"
            ));
        }
        for (former, new) in &self.renamed {
            out.push_str(&format!("reference {former} was taken: now {new}\n"));
        }
        out
    }

    fn refuse(&mut self, line: u64, column: &str, reason: impl Into<String>) {
        self.errors.push(LineError {
            line,
            column: column.to_owned(),
            reason: reason.into(),
        });
    }

    /// Each field error of `error` (an API refusal) on `line`, its field
    /// named as the file's column by `column`.
    fn refuse_api(&mut self, line: u64, error: &ApiError, column: &dyn Fn(&str) -> String) {
        let problem = error.problem();
        if problem.errors.is_empty() {
            self.refuse(line, "", problem.detail);
        }
        for field in problem.errors {
            self.refuse(line, &column(&field.field), field.message);
        }
    }
}

/// Who imports, as the audit trail records it: a national administrator
/// named `import`.
fn importer() -> Agent {
    Agent {
        id: "import".to_owned(),
        name: "planipref import".to_owned(),
        role: Role::AdminNational,
        scope: Scope::National,
        organisation: None,
    }
}

/// The digest of a line's values, to tell a changed line on the next run.
fn digest(values: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for v in values {
        hasher.update(v.trim().as_bytes());
        hasher.update([0x1f]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a line already imported stands.
enum Known {
    New,
    Unchanged,
    Changed,
}

fn known(imported: &HashMap<String, Imported>, external_id: &str, digest: &str) -> Known {
    match imported.get(external_id) {
        None => Known::New,
        Some(i) if i.digest == digest => Known::Unchanged,
        Some(_) => Known::Changed,
    }
}

/// Every line of the CSV file `path` (with headers, fields trimmed) read
/// as a `T`, with its line number (the header is line 1); a line that
/// cannot be read as one is told in `report` and left out. Fails only when
/// the file itself cannot be read.
fn read_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    report: &mut Report,
) -> Result<Vec<(u64, T)>, String> {
    let mut csv = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let headers = csv.headers().map_err(|e| e.to_string())?.clone();
    let mut lines = vec![];
    for record in csv.records() {
        let record = record.map_err(|e| e.to_string())?;
        let n = record.position().map_or(0, csv::Position::line);
        match record.deserialize(Some(&headers)) {
            Ok(line) => lines.push((n, line)),
            Err(e) => report.refuse(n, "", format!("unreadable: {e}")),
        }
    }
    Ok(lines)
}
