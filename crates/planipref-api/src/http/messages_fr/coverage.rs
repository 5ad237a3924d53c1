//! The catalogue's coverage: fails when a sentence a problem can carry is
//! written in the code without its French, or when the catalogue keeps an
//! entry the code no longer writes.
//!
//! It reads the sources (`src/`) of the domain, store and API crates with
//! a small scanner — no regex, no parser: a lexer that knows Rust's
//! comments and its string, raw string and char literals, then a walk
//! over the tokens that finds
//! - the calls taking a message as their last argument ([`CALLS`]:
//!   `FieldError::new(field, "…")`, `ApiError::invalid`,
//!   `DomainError::invalid`, `Conflict("…")`, `InUse`, `Unauthorized`,
//!   `InvalidContext`, `CannotUndo`, `write_error(e, "…")`, and two local
//!   helpers, `refuse("…")` and `malformed("…")`);
//! - the `detail:` of `Malformed { … }` and the `message:` of
//!   `ProblemField { … }`;
//! - every literal in the body of the functions that return a refusal's
//!   reason ([`MESSAGE_FUNCTIONS`]: `fn refusal`).
//!
//! In such a message, a literal counts where it is the value: alone, as a
//! branch of `match`/`if` (blocks are entered), before a method
//! (`"…".to_owned()`), or as the first argument of `format!`, whose
//! `{…}` become the catalogue's `{}`. A `SCREAMING_CASE` constant is
//! replaced by its literal when the same file declares it
//! (`const NAME_TAKEN: &str = "…"`). Arguments of other calls are not
//! messages (`known.join(", ")`). Items under `#[cfg(test)]`, and the
//! files of `#[cfg(test)] mod name;`, are left out.
//!
//! Limits: a sentence that reaches a problem by another road — through a
//! variable, a parameter or a field (`why`, `e.message`), a function not
//! listed above, another constructor, a `concat!`, a `Display` — is not
//! seen: write it into one of those calls, or extend the lists here.
//! Serde's own messages (a `Malformed` body's "missing field …") are not
//! ours and stay in English. The check is that `translate` changes the
//! sentence (placeholders filled with a sample), not that the French is
//! good.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{catalogue, translate};

/// Calls whose last argument is a message.
const CALLS: &[&str] = &[
    "invalid",
    "Conflict",
    "InUse",
    "Unauthorized",
    "InvalidContext",
    "HubUnauthorized",
    "CannotUndo",
    "write_error",
    "refuse",
    "malformed",
];

/// Functions each literal of whose body is a refusal's reason.
const MESSAGE_FUNCTIONS: &[&str] = &["refusal"];

/// Struct literals and the field of theirs that holds a message.
const STRUCT_FIELDS: &[(&str, &str)] = &[("Malformed", "detail"), ("ProblemField", "message")];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

/// `source`'s tokens and their lines, comments and char literals dropped.
fn lex(source: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut tokens = vec![];
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let (c, start_line) = (chars[i], line);
        let start = i;
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else if i >= chars.len() {
                    break;
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let (text, end) = string(&chars, i + 1);
            tokens.push((Token::Str(text), start_line));
            i = end;
        } else if c == 'r' && (at(i + 1) == '"' || at(i + 1) == '#') && {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            at(i + 1 + hashes) == '"'
        } {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            let body = i + 2 + hashes;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let end = (body..chars.len())
                .find(|&j| chars[j..].starts_with(&closing))
                .unwrap_or(chars.len());
            tokens.push((Token::Str(chars[body..end].iter().collect()), start_line));
            i = end + closing.len();
        } else if c == '\'' {
            // A char literal ('x', '\'', '\u{…}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 3;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((Token::Ident(chars[start..i].iter().collect()), start_line));
        } else {
            if !c.is_whitespace() {
                tokens.push((Token::Punct(c), start_line));
            }
            i += 1;
        }
        line += chars[start..i.min(chars.len())]
            .iter()
            .filter(|&&c| c == '\n')
            .count();
    }
    tokens
}

/// The text of the string literal whose body starts at `i`, and the index
/// after its closing quote.
fn string(chars: &[char], mut i: usize) -> (String, usize) {
    let mut text = String::new();
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '"' => break,
            '\\' => {
                let e = chars.get(i).copied().unwrap_or('\\');
                i += 1;
                match e {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '0' => text.push('\0'),
                    'u' => {
                        let close = (i..chars.len()).find(|&j| chars[j] == '}').unwrap_or(i);
                        let hex: String = chars[i + 1..close].iter().collect();
                        text.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                        i = close + 1;
                    }
                    '\n' => {
                        while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                            i += 1;
                        }
                    }
                    other => text.push(other),
                }
            }
            other => text.push(other),
        }
    }
    (text, i)
}

/// A sentence found in the sources: where, and its text (a catalogue
/// template when it came from `format!`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    sentence: String,
    place: String,
}

/// The sentences `source` gives problems, and the test modules it
/// declares in other files (`#[cfg(test)] mod name;`).
fn scan(source: &str, place: &str) -> (Vec<Found>, Vec<String>) {
    let all = lex(source);
    let (tokens, test_modules) = without_tests(&all);
    let t = |k: usize| tokens.get(k).map(|(t, _)| t);
    let ident = |k: usize, name: &str| matches!(t(k), Some(Token::Ident(n)) if n == name);
    let punct = |k: usize, p: char| t(k) == Some(&Token::Punct(p));
    let constants = constants(&tokens);
    let mut found = vec![];
    let mut take = |range: std::ops::Range<usize>| {
        for sentence in values(&tokens[range.clone()], &constants) {
            let line = tokens.get(range.start).map_or(0, |(_, l)| *l);
            found.push(Found {
                sentence,
                place: format!("{place}:{line}"),
            });
        }
    };
    for k in 0..tokens.len() {
        let Some(Token::Ident(name)) = t(k) else {
            continue;
        };
        let called = (CALLS.contains(&name.as_str())
            || (name == "new" && k >= 3 && ident(k - 3, "FieldError") && punct(k - 1, ':')))
            && punct(k + 1, '(')
            && !(k > 0 && ident(k - 1, "fn"));
        if called {
            let close = closing(&tokens, k + 1);
            if let Some(last) = arguments(&tokens, k + 1, close).pop() {
                take(last);
            }
        } else if MESSAGE_FUNCTIONS.contains(&name.as_str()) && k > 0 && ident(k - 1, "fn") {
            if let Some(open) = (k..tokens.len()).find(|&j| punct(j, '{')) {
                take(open..closing(&tokens, open));
            }
        } else if let Some((_, field)) = STRUCT_FIELDS.iter().find(|(s, _)| s == name)
            && punct(k + 1, '{')
        {
            for value in arguments(&tokens, k + 1, closing(&tokens, k + 1)) {
                if ident(value.start, field) && punct(value.start + 1, ':') {
                    take(value.start + 2..value.end);
                }
            }
        }
    }
    (found, test_modules)
}

/// `tokens` without the items under `#[cfg(test)]`, and the names of the
/// test modules declared there in other files.
fn without_tests(tokens: &[(Token, usize)]) -> (Vec<(Token, usize)>, Vec<String>) {
    let attribute = ["#", "[", "cfg", "(", "test", ")", "]"];
    let is = |k: usize, s: &str| match tokens.get(k).map(|(t, _)| t) {
        Some(Token::Ident(n)) => n == s,
        Some(Token::Punct(p)) => s.len() == 1 && s.starts_with(*p),
        _ => false,
    };
    let (mut kept, mut modules, mut k) = (vec![], vec![], 0);
    while k < tokens.len() {
        if !attribute.iter().enumerate().all(|(j, s)| is(k + j, s)) {
            kept.push(tokens[k].clone());
            k += 1;
            continue;
        }
        let item = k + attribute.len();
        let mut depth = 0usize;
        let mut end = item;
        while end < tokens.len() {
            match &tokens[end].0 {
                Token::Punct('(' | '[') => depth += 1,
                Token::Punct(')' | ']') => depth = depth.saturating_sub(1),
                Token::Punct('{') if depth == 0 => {
                    end = closing(tokens, end);
                    break;
                }
                Token::Punct(';') if depth == 0 => {
                    if is(end - 2, "mod")
                        && let Token::Ident(name) = &tokens[end - 1].0
                    {
                        modules.push(name.clone());
                    }
                    break;
                }
                _ => {}
            }
            end += 1;
        }
        k = end + 1;
    }
    (kept, modules)
}

/// `const NAME: &str = "…";` of the file.
fn constants(tokens: &[(Token, usize)]) -> BTreeMap<String, String> {
    tokens
        .windows(7)
        .filter_map(|w| match w.iter().map(|(t, _)| t).collect::<Vec<_>>()[..] {
            [
                Token::Ident(c),
                Token::Ident(name),
                Token::Punct(':'),
                Token::Punct('&'),
                Token::Ident(s),
                Token::Punct('='),
                Token::Str(value),
            ] if c == "const" && s == "str" => Some((name.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

/// The index of the bracket closing the one at `open` (or the end).
fn closing(tokens: &[(Token, usize)], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, (token, _)) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The comma-separated pieces between `open` and `close` (empty ones left
/// out: a trailing comma).
fn arguments(tokens: &[(Token, usize)], open: usize, close: usize) -> Vec<std::ops::Range<usize>> {
    let mut pieces = vec![];
    let (mut start, mut k) = (open + 1, open + 1);
    while k < close {
        match tokens[k].0 {
            Token::Punct('(' | '[' | '{') => k = closing(tokens, k),
            Token::Punct(',') => {
                pieces.push(start..k);
                start = k + 1;
            }
            _ => {}
        }
        k += 1;
    }
    pieces.push(start..close);
    pieces.retain(|r| !r.is_empty());
    pieces
}

/// The literals that are the value of the expression `tokens` (see the
/// module).
fn values(tokens: &[(Token, usize)], constants: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = vec![];
    let mut k = 0;
    while k < tokens.len() {
        match &tokens[k].0 {
            Token::Ident(f)
                if f == "format" && tokens.get(k + 1).map(|t| &t.0) == Some(&Token::Punct('!')) =>
            {
                let open = k + 2;
                if let Some((Token::Str(s), _)) = tokens.get(open + 1) {
                    out.push(template(s));
                }
                k = closing(tokens, open);
            }
            Token::Punct('(') => k = closing(tokens, k),
            Token::Str(s) => out.push(s.clone()),
            Token::Ident(name) => out.extend(constants.get(name).cloned()),
            Token::Punct(_) => {}
        }
        k += 1;
    }
    out
}

/// A `format!` string as a catalogue template: each `{…}` becomes `{}`.
fn template(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                chars.by_ref().find(|&c| c == '}');
                out.push_str("{}");
            }
            other => out.push(other),
        }
    }
    out
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_default())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The sentences of the domain, store and API crates, each once (first
/// place kept).
fn sentences() -> Vec<Found> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![];
    for name in ["planipref-domain", "planipref-store", "planipref-api"] {
        sources(&crates.join(name).join("src"), &mut files);
    }
    let (mut all, mut tests) = (vec![], BTreeSet::new());
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap_or_default();
        let place = file
            .strip_prefix(&crates)
            .unwrap_or(file)
            .display()
            .to_string();
        let (found, modules) = scan(&source, &place);
        // A module `name` of `a/b.rs` is `a/b/name.rs`; of `a/mod.rs` (or
        // lib.rs), `a/name.rs`; or `…/name/mod.rs`.
        let stem = file.file_stem().unwrap_or_default();
        let dir = file.parent().unwrap_or(file);
        let dir = match stem.to_str() {
            Some("mod" | "lib" | "main") => dir.to_path_buf(),
            _ => dir.join(stem),
        };
        for m in modules {
            tests.insert(dir.join(format!("{m}.rs")));
            tests.insert(dir.join(&m).join("mod.rs"));
        }
        all.push((file.clone(), found));
    }
    let mut seen = BTreeSet::new();
    all.into_iter()
        .filter(|(file, _)| !tests.contains(file))
        .flat_map(|(_, found)| found)
        .filter(|f| seen.insert(f.sentence.clone()))
        .collect()
}

/// `template` with each `{}` filled with a sample piece.
fn sample(template: &str) -> String {
    template.replace("{}", "7")
}

#[test]
fn every_message_of_the_code_has_its_french() {
    let found = sentences();
    // The scanner still sees the code's sentences (a broken one would
    // find none and pass).
    assert!(found.len() > 150, "only {} sentences found", found.len());
    let missing: Vec<String> = found
        .iter()
        .filter(|f| translate(&sample(&f.sentence)) == sample(&f.sentence))
        .map(|f| format!("{}  {:?}", f.place, f.sentence))
        .collect();
    assert!(
        missing.is_empty(),
        "{} sentence(s) without French: add them to the catalogue (http/messages_fr/):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_entry_of_the_catalogue_is_used_by_the_code() {
    let found = sentences();
    let used: BTreeSet<usize> = found
        .iter()
        .filter_map(|f| {
            let text = sample(&f.sentence);
            catalogue().position(|(en, _)| super::matches(en, &text).is_some())
        })
        .collect();
    let unused: Vec<&str> = catalogue()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, (en, _))| *en)
        .collect();
    assert!(
        unused.is_empty(),
        "entries no sentence of the code reaches (gone, or shadowed by an earlier, more general one):\n{}",
        unused.join("\n")
    );
}

#[test]
fn the_scanner_finds_the_literals_given_as_messages() {
    let source = r##"
        const TAKEN: &str = "a constant";
        fn invalid(field: &str, message: &str) -> Self { todo() }
        fn f() {
            // FieldError::new("x", "a comment");
            let c = '"';
            let _ = FieldError::new(format!("a[{i}]"), "a literal");
            Err(ApiError::invalid("f", format!("between {MIN} and {}, {{x}}", max, "not")));
            ApiError::Conflict(match x { A => "one", B => "two".to_owned() });
            write_error(e, TAKEN);
            refuse(r#"a "raw" one"#);
            ApiError::Malformed { detail: "a \"detail\"".to_owned(), field: None };
            ApiError::Malformed { detail, field };
            FieldError::new("f", known.join(", "));
        }
        fn refusal(e: &E) -> &'static str {
            match e { X => "a reason" }
        }
        #[cfg(test)]
        mod tests {
            fn t() { FieldError::new("x", "in a test"); }
        }
        #[cfg(test)]
        mod more;
    "##;
    let (found, modules) = scan(source, "f.rs");
    let sentences: Vec<&str> = found.iter().map(|f| f.sentence.as_str()).collect();
    assert_eq!(
        sentences,
        [
            "a literal",
            "between {} and {}, {x}",
            "one",
            "two",
            "a constant",
            "a \"raw\" one",
            "a \"detail\"",
            "a reason",
        ]
    );
    assert_eq!(found[0].place, "f.rs:7");
    assert_eq!(modules, ["more"]);
}
