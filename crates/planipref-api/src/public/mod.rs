//! Operations for applicants and service-public.fr: no login.

pub mod convocations;
pub mod delays;
pub mod demarches;
pub mod health;
pub mod holds;
pub mod orientation;
pub mod reservations;
pub mod sites;
pub mod slots;
pub mod sms_opt_out;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every operation of this audience.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(sites::configure)
        .configure(slots::configure)
        .configure(orientation::configure)
        .configure(demarches::configure)
        .configure(delays::configure)
        .configure(holds::configure)
        .configure(reservations::configure)
        .configure(sms_opt_out::configure)
        .configure(convocations::configure)
        .configure(health::configure);
}
