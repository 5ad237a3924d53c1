//! What answers when no route matches: 405 with `Allow` when the path exists
//! with other methods, 404 otherwise, both as problem+json.
//!
//! The table of paths is read from the OpenAPI document generated from the
//! registered services, so it cannot disagree with the routing.

use crate::http::error::ApiError;
use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

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
                let methods: Vec<String> = [
                    ("DELETE", item.delete.is_some()),
                    ("GET", item.get.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
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

    /// The answer to an unrouted request.
    pub fn unrouted(&self, req: &HttpRequest) -> HttpResponse {
        // With the error attached, so that it is written in the client's
        // language like any other problem.
        HttpResponse::from_error(match self.methods_for(req.path()) {
            Some(methods) => ApiError::MethodNotAllowed(methods.to_vec()),
            None => ApiError::NotFound("route"),
        })
    }
}
