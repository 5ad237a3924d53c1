//! Operations for préfecture agents and administrators: bearer JWT required.

pub mod anti_capture;
pub mod attendance;
pub mod audit;
pub mod convocations;
pub mod counter_settings;
pub mod day;
pub mod demarches;
pub mod fermetures;
pub mod guichets;
pub mod me;
pub mod motifs;
pub mod organisation;
pub mod ouvertures;
pub mod overbooking;
pub mod persons;
pub mod plages;
pub mod prefectures;
pub mod reservations;
pub mod retention;
pub mod services;
pub mod site_locations;
pub mod sites;
pub mod stats;
pub mod translations;
pub mod walk_ins;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every operation of this audience, under `/admin` (a path
/// under it that names no operation falls to the application's default
/// service: 404, or 405 with `Allow`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(utoipa_actix_web::scope("/admin").configure(resources));
}

fn resources(cfg: &mut ServiceConfig) {
    cfg.configure(me::configure)
        .configure(prefectures::configure)
        .configure(anti_capture::configure)
        .configure(sites::configure)
        .configure(site_locations::configure)
        .configure(services::configure)
        .configure(motifs::configure)
        .configure(translations::configure)
        .configure(guichets::configure)
        .configure(plages::configure)
        .configure(fermetures::configure)
        .configure(ouvertures::configure)
        .configure(organisation::configure)
        .configure(demarches::configure)
        .configure(reservations::configure)
        .configure(attendance::configure)
        .configure(day::configure)
        .configure(walk_ins::configure)
        .configure(counter_settings::configure)
        .configure(convocations::configure)
        .configure(webhooks::configure)
        .configure(stats::configure)
        .configure(persons::configure)
        .configure(retention::configure)
        .configure(overbooking::configure)
        .configure(audit::configure);
}
