//! Endpoints for agents (bearer JWT).

use crate::http::error::ApiError;
use crate::http::problem::Problem;
use crate::model::me::Me;
use crate::security::agent::AuthenticatedAgent;
use actix_web::{HttpResponse, get};
use planipref_domain::access::Scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Who am I
///
/// The identity, role and scope that the bearer token grants, as Planipref
/// reads them: a front end shows it, an integrator checks a token with it.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agent", body = Me,
         example = json!({"sub": "a.martin@interieur.gouv.fr", "name": "Anne Martin", "role": "admin_prefecture", "scope": ["93"]})),
        (status = 401, description = "Missing, malformed, expired, not yet valid or wrongly signed token, or wrong issuer or audience",
         body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"planipref\", error=\"invalid_token\"`"))),
    )
)]
#[get("/me")]
pub async fn me(agent: AuthenticatedAgent) -> Result<HttpResponse, ApiError> {
    let a = agent.0;
    let scope = match a.scope {
        Scope::National => vec![],
        Scope::Departements(ds) => ds.iter().map(ToString::to_string).collect(),
        Scope::Sites(ss) => ss.iter().map(ToString::to_string).collect(),
    };
    Ok(HttpResponse::Ok().json(Me {
        sub: a.id,
        name: a.name,
        role: a.role.code().to_owned(),
        scope,
    }))
}

/// Registers this resource's operations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me);
}
