//! Operations for national hubs (the ANTS model), under `/hub`: each
//! authenticated by its shared token (`x-hub-rdv-auth-token`), limited at
//! its own rate, never open to browsers (no CORS: hubs call from their
//! servers).

pub mod applications;
pub mod meeting_points;
pub mod time_slots;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the hubs' operations, under `/hub`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(utoipa_actix_web::scope("/hub").configure(resources));
}

fn resources(cfg: &mut ServiceConfig) {
    cfg.configure(meeting_points::configure)
        .configure(time_slots::configure)
        .configure(applications::configure);
}
