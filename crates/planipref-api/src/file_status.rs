//! The file-status connector over HTTP: the one adapter of
//! [`planipref_domain::file_check::FileStatusConnector`], a blocking
//! `ureq` client called from the blocking pool (never on an async
//! worker), one endpoint per system (`PLANIPREF_FILE_CHECK_ANEF_URL`,
//! `PLANIPREF_FILE_CHECK_SNPC_URL`), each with its bearer token, and one
//! timeout for a whole exchange (`PLANIPREF_FILE_CHECK_TIMEOUT_MS`, 4 s by
//! default).
//!
//! The exchange (`docs/file-status.md`): `POST <url>` with
//! `Authorization: Bearer <token>` and the JSON body
//! `{"system": "anef", "file_number": "7501234567", "demarche":
//! "sejour-renouvellement"}`; a `200` answer with the JSON body
//! `{"status": "validated"}` (or `consumed`, `unknown`, `expired`; other
//! fields are ignored). Anything else (another status code, another body,
//! no answer in time, no connection) is a failure, decided by the
//! démarche's policy. The identifier travels in the body only, never in a
//! URL, and is never logged.

use std::time::Duration;

use planipref_domain::file_check::{
    ConnectorFailure, FileQuery, FileStatus, FileStatusConnector, FileSystem,
};

/// How long a check may take, when the deployment does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);
/// The most an answer's body may weigh (a status and a few fields).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Where one system's connector answers.
#[derive(Clone)]
pub struct Endpoint {
    /// Its URL (`https://…`; `http://` for a local gateway).
    pub url: String,
    /// Its bearer token, when it asks for one.
    pub token: Option<String>,
}

// The token is a secret, and a URL may hold one too.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").finish_non_exhaustive()
    }
}

/// The deployment's connectors: an endpoint per configured system.
#[derive(Debug, Clone)]
pub struct FileStatusSettings {
    /// `PLANIPREF_FILE_CHECK_ANEF_URL` and `…_ANEF_TOKEN`.
    pub anef: Option<Endpoint>,
    /// `PLANIPREF_FILE_CHECK_SNPC_URL` and `…_SNPC_TOKEN`.
    pub snpc: Option<Endpoint>,
    /// `PLANIPREF_FILE_CHECK_TIMEOUT_MS`: the most one check may take.
    pub timeout: Duration,
}

impl Default for FileStatusSettings {
    fn default() -> Self {
        Self {
            anef: None,
            snpc: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl FileStatusSettings {
    /// The endpoint of `system`, when configured.
    pub fn endpoint(&self, system: FileSystem) -> Option<&Endpoint> {
        match system {
            FileSystem::Anef => self.anef.as_ref(),
            FileSystem::Snpc => self.snpc.as_ref(),
        }
    }
}

/// The HTTP connector.
#[derive(Debug)]
pub struct HttpFileStatus {
    settings: FileStatusSettings,
    agent: ureq::Agent,
}

impl HttpFileStatus {
    /// A connector asking the endpoints `settings` gives, within its
    /// timeout.
    pub fn new(settings: FileStatusSettings) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(settings.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Self { settings, agent }
    }
}

/// What a connector answers.
#[derive(serde::Deserialize)]
struct Answer {
    status: String,
}

impl FileStatusConnector for HttpFileStatus {
    fn status(&self, query: &FileQuery<'_>) -> Result<FileStatus, ConnectorFailure> {
        let system = query.system.code();
        let endpoint = self
            .settings
            .endpoint(query.system)
            .ok_or(ConnectorFailure::NotConfigured)?;
        let body = serde_json::json!({
            "system": system,
            "file_number": query.file_number,
            "demarche": query.demarche,
        });
        let mut request = self
            .agent
            .post(&endpoint.url)
            .header("Accept", "application/json");
        if let Some(token) = &endpoint.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request.send_json(&body).map_err(|e| failure(system, &e))?;
        let code = response.status().as_u16();
        if code != 200 {
            log::warn!("file status ({system}): the connector answered {code}");
            return Err(ConnectorFailure::Failed);
        }
        let answer: Answer = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_json()
            .map_err(|e| failure(system, &e))?;
        FileStatus::from_code(answer.status.trim()).ok_or_else(|| {
            log::warn!("file status ({system}): the connector answered an unknown status");
            ConnectorFailure::Failed
        })
    }

    fn configured(&self, system: FileSystem) -> bool {
        self.settings.endpoint(system).is_some()
    }
}

/// A failed exchange, logged by its kind only (an error's text may carry
/// the URL; the identifier is never in it, but the token might be).
fn failure(system: &str, e: &ureq::Error) -> ConnectorFailure {
    let (failure, kind) = match e {
        ureq::Error::Timeout(_) => (ConnectorFailure::Timeout, "no answer in time"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            (ConnectorFailure::Timeout, "no answer in time")
        }
        ureq::Error::Io(_) | ureq::Error::ConnectionFailed => {
            (ConnectorFailure::Failed, "no connection")
        }
        ureq::Error::HostNotFound => (ConnectorFailure::Failed, "host not found"),
        ureq::Error::Json(_) => (ConnectorFailure::Failed, "not the documented JSON"),
        ureq::Error::BodyExceedsLimit(_) => (ConnectorFailure::Failed, "an answer too large"),
        _ => (ConnectorFailure::Failed, "an HTTP error"),
    };
    log::warn!("file status ({system}): {kind}");
    failure
}
