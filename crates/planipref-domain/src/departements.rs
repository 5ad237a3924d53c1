//! Départements as the reference data describe them
//! (`reference/departements.csv`: INSEE's COG 2026, compiled in), and the
//! rule they set for sites: the time zones a site of each département may
//! keep.
//!
//! A site's plages and closures are written in local time and read in its
//! zone, so a site of La Réunion given `Europe/Paris` would open three
//! hours off. The table, not the administrator, says which zones are
//! right: `Europe/Paris` throughout metropolitan France (Corsica included),
//! each overseas département or collectivité its own.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono_tz::Tz;

use crate::ids::DepartementCode;

/// The reference table of départements and of the collectivités that have
/// a préfecture (RFC 4180, a header row; see `reference/SOURCES.md`).
pub const DEPARTEMENTS_CSV: &str = include_str!("../../../reference/departements.csv");

/// Each département's time zones, read once from [`DEPARTEMENTS_CSV`].
static TIME_ZONES: LazyLock<HashMap<String, Vec<Tz>>> = LazyLock::new(|| {
    // The table is compiled in and a unit test reads it whole, so this
    // cannot fail in a build whose tests passed. Were it to, no zone would
    // be accepted: sites are refused rather than given a wrong zone.
    parse_time_zones(DEPARTEMENTS_CSV).unwrap_or_default()
});

/// The IANA time zones a site of `departement` may keep, as the reference
/// table gives them: a set (one zone for every département today, but the
/// table may list several in a cell, separated by `;`). Empty for a code
/// the table lacks.
pub fn time_zones(departement: &DepartementCode) -> &'static [Tz] {
    TIME_ZONES
        .get(departement.as_str())
        .map_or(&[], Vec::as_slice)
}

/// Reads each département's time zones from a table with the columns
/// `code` and `timezone` (several zones in a cell separated by `;`).
/// Refuses the whole table, naming the record, at a code that is not a
/// département's, an unknown or missing zone, or a département listed
/// twice.
pub fn parse_time_zones(text: &str) -> Result<HashMap<String, Vec<Tz>>, String> {
    let mut records = read_csv(text)?.into_iter();
    let header = records.next().ok_or("the table is empty")?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    let (code, zone) = (column("code")?, column("timezone")?);
    let mut table = HashMap::new();
    for (i, record) in records.enumerate() {
        let n = i + 1;
        let (Some(raw_code), Some(cell)) = (record.get(code), record.get(zone)) else {
            return Err(format!("record {n}: too few fields"));
        };
        let departement = DepartementCode::parse(raw_code)
            .ok_or_else(|| format!("record {n}: {raw_code:?} is not a département code"))?;
        let mut zones = Vec::new();
        for name in cell.split(';').map(str::trim).filter(|z| !z.is_empty()) {
            let tz = crate::time::parse_time_zone(name)
                .ok_or_else(|| format!("record {n} ({departement}): unknown time zone {name:?}"))?;
            if !zones.contains(&tz) {
                zones.push(tz);
            }
        }
        if zones.is_empty() {
            return Err(format!("record {n} ({departement}): no time zone"));
        }
        if table
            .insert(departement.as_str().to_owned(), zones)
            .is_some()
        {
            return Err(format!(
                "record {n}: département {departement} is listed twice"
            ));
        }
    }
    Ok(table)
}

/// Reads RFC 4180 text: comma-separated fields; a field in double quotes
/// may hold commas, line breaks and doubled quotes; lines end with LF or
/// CRLF. Blank lines are skipped. Errors name the line.
pub fn read_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: its end, or the first of two.
        QuoteInQuoted,
    }
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\r' && chars.peek() == Some(&'\n') && state != State::Quoted {
            continue;
        }
        if ch == '\n' {
            line += 1;
        }
        state = match (state, ch) {
            (State::Quoted, '"') => State::QuoteInQuoted,
            (State::Quoted, c) => {
                field.push(c);
                State::Quoted
            }
            (State::QuoteInQuoted, '"') => {
                field.push('"');
                State::Quoted
            }
            (State::FieldStart, '"') => State::Quoted,
            (State::Unquoted, '"') => {
                return Err(format!("line {line}: quote inside an unquoted field"));
            }
            (_, ',') => {
                row.push(std::mem::take(&mut field));
                State::FieldStart
            }
            (_, '\n') => {
                row.push(std::mem::take(&mut field));
                if row != [""] {
                    rows.push(std::mem::take(&mut row));
                }
                row.clear();
                State::FieldStart
            }
            (State::QuoteInQuoted, _) => {
                return Err(format!("line {line}: text after a closing quote"));
            }
            (_, c) => {
                field.push(c);
                State::Unquoted
            }
        };
    }
    if state == State::Quoted {
        return Err(format!("line {line}: unterminated quoted field"));
    }
    if !(row.is_empty() && field.is_empty() && state == State::FieldStart) {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones_of(code: &str) -> Vec<&'static str> {
        let code = DepartementCode::parse(code).expect("a code");
        time_zones(&code).iter().map(|tz| tz.name()).collect()
    }

    #[test]
    fn every_departement_has_the_zones_of_the_reference_table() {
        let table = parse_time_zones(DEPARTEMENTS_CSV).expect("the reference table reads");
        assert_eq!(table.len(), 104);
        // Every code a préfecture may have: 01–95 (2A and 2B for 20), 971–978.
        let metropolitan = (1..=95)
            .filter(|n| *n != 20)
            .map(|n| format!("{n:02}"))
            .chain(["2A".to_owned(), "2B".to_owned()]);
        for code in metropolitan {
            assert_eq!(zones_of(&code), vec!["Europe/Paris"], "{code}");
        }
        for (code, zone) in [
            ("971", "America/Guadeloupe"),
            ("972", "America/Martinique"),
            ("973", "America/Cayenne"),
            ("974", "Indian/Reunion"),
            ("975", "America/Miquelon"),
            ("976", "Indian/Mayotte"),
            ("977", "America/St_Barthelemy"),
            ("978", "America/Marigot"),
        ] {
            assert_eq!(zones_of(code), vec![zone], "{code}");
        }
    }

    #[test]
    fn a_departement_may_have_several_zones_and_a_bad_table_is_refused_whole() {
        let table = parse_time_zones(
            "code,name,timezone\n975,\"Saint-Pierre, Miquelon\",America/Miquelon; Europe/Paris;America/Miquelon\n2a,Corse-du-Sud,Europe/Paris\n",
        )
        .expect("valid");
        let tz = |name: &str| crate::time::parse_time_zone(name).expect("a zone");
        assert_eq!(
            table["975"],
            vec![tz("America/Miquelon"), tz("Europe/Paris")]
        );
        assert_eq!(table["2A"], vec![tz("Europe/Paris")]);
        for (bad, why) in [
            ("code,timezone\n974,Indian/Atlantis\n", "unknown time zone"),
            ("code,timezone\n974,\n", "no time zone"),
            ("code,timezone\n20,Europe/Paris\n", "not a département code"),
            (
                "code,timezone\n93,Europe/Paris\n93,Europe/Paris\n",
                "listed twice",
            ),
            ("code,zone\n93,Europe/Paris\n", "no column timezone"),
            ("code,timezone\n93\n", "too few fields"),
            ("", "empty"),
        ] {
            let e = parse_time_zones(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn csv_fields_may_be_quoted_over_commas_quotes_and_lines() {
        let rows = read_csv("a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\n\n2,,3").expect("valid");
        assert_eq!(
            rows,
            vec![
                vec!["a", "b", "c"],
                vec!["1", "x, \"y\"\nz", ""],
                vec!["2", "", "3"],
            ]
        );
        assert!(read_csv("a,\"b").is_err());
        assert!(read_csv("a,b\"c").is_err());
        assert!(read_csv("a,\"b\"c").is_err());
    }
}
