//! What answers when no route matches: 405 with `Allow` when the path exists
//! with other methods, 404 otherwise, both as problem+json.
//!
//! The table of paths is read from the OpenAPI document generated from the
//! registered services, so it cannot disagree with the routing.

use crate::http::error::ApiError;
use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};

/// Every documented path and the methods it accepts.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
}

impl RouteTable {
    /// The paths of `spec`.
    pub fn from_spec(spec: &OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = operations(item)
                    .into_iter()
                    .map(|(m, _)| m.to_owned())
                    .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods `path` accepts, if it is a known path.
    pub fn methods_for(&self, path: &str) -> Option<&[String]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, m)| m.as_slice())
    }

    /// The answer to an unrouted request. The path is matched as actix
    /// routes it (percent-decoded): `/api/v1/%73ites` is `/api/v1/sites`.
    pub fn unrouted(&self, req: &HttpRequest) -> HttpResponse {
        // With the error attached, so that it is written in the client's
        // language like any other problem.
        HttpResponse::from_error(match self.methods_for(req.match_info().as_str()) {
            Some(methods) => ApiError::MethodNotAllowed(methods.to_vec()),
            None => ApiError::NotFound("route"),
        })
    }
}

/// The operations of a documented path, by method (in alphabetical order).
pub fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [
        ("DELETE", &item.delete),
        ("GET", &item.get),
        ("HEAD", &item.head),
        ("OPTIONS", &item.options),
        ("PATCH", &item.patch),
        ("POST", &item.post),
        ("PUT", &item.put),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
    .collect()
}
