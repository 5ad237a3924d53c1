//! Problems in French: the title of each kind and the detail of each
//! occurrence, for clients that prefer French (`Accept-Language`).
//!
//! The English ([`crate::http::problem`]) is the reference; this file
//! follows it kind by kind. Sentences that come from elsewhere (a field's
//! message, a refusal's reason) go through [`messages_fr::translate`].

use planipref_domain::context::ContextRefusal;
use planipref_domain::convocation::Refusal;
use planipref_domain::file_check::FileRefusal;

use crate::http::error::{ApiError, FILE_CHECK_RETRY_AFTER_SECONDS, RETRY_AFTER_SECONDS};
use crate::http::messages_fr;

/// The French title of the problem kind `code` (the end of its `type`).
pub fn title(code: &str) -> &'static str {
    match code {
        "malformed-request" => "La requête n'a pas pu être lue",
        "unsupported-media-type" => "Le corps doit être du JSON",
        "payload-too-large" => "Le corps est trop volumineux",
        "missing-header" => "Un en-tête obligatoire manque",
        "unauthorized" => "Authentification requise",
        "invalid-context" => "Le contexte du routeur (X-Planipref-Context) n'est pas valide",
        "hub-unauthorized" => "Le jeton de la plateforme (x-hub-rdv-auth-token) n'est pas valide",
        "forbidden" => "Hors de votre périmètre",
        "validation" => "La requête contient des champs invalides",
        "not-found" => "Introuvable",
        "method-not-allowed" => "Méthode non autorisée",
        "slot-taken" => "Ce créneau n'est plus disponible",
        "no-walk-in-time" => "Aucun guichet servant ce motif n'est libre maintenant ni bientôt",
        "appointment-past" => "Le rendez-vous a déjà commencé",
        "wrong-status" => "Le statut du rendez-vous ne permet pas cette étape",
        "cannot-undo" => "La dernière étape ne peut pas être annulée",
        "agent-daily-bookings" => {
            "Vous avez pris aujourd'hui autant de rendez-vous pour d'autres que permis"
        }
        "cancellation-deadline-passed" => "Trop tard pour annuler en ligne",
        "conflict" => "La modification est en conflit avec l'état actuel",
        "stale" => "La ressource a changé depuis votre lecture",
        "precondition-required" => {
            "La version à partir de laquelle la modification est faite est requise"
        }
        "booked-reservations-affected" => "Des rendez-vous pris resteraient sans guichet",
        "convocation-required" => "Ce motif se réserve uniquement sur convocation",
        "already-booked" => "Vous avez déjà un rendez-vous pour cette démarche",
        "hold-expired" => "La réservation temporaire a expiré",
        "convocation-invalid" => "Le lien de convocation n'est pas valide",
        "convocation-other-motif" => "La convocation concerne un autre motif",
        "convocation-used" => "La convocation a déjà servi à prendre un rendez-vous",
        "convocation-expired" => "La convocation a expiré",
        "convocation-revoked" => "La convocation a été retirée",
        "convocation-other-person" => "La convocation désigne une autre personne",
        "convocation-outside-days" => "La convocation ne permet pas ce jour",
        "too-many-requests" => "Trop de requêtes",
        "convocation-holding" => "La convocation retient déjà un créneau",
        "context-required" => "Ce motif se réserve depuis service-public.fr",
        "context-other-demarche" => "Le contexte concerne une autre démarche",
        "context-other-person" => "Le contexte désigne une autre personne",
        "too-many-appointments" => "Vous avez autant de rendez-vous que permis",
        "file-consumed" => "Le dossier a déjà servi pour un rendez-vous",
        "file-unknown" => "Aucun dossier ne porte ce numéro",
        "file-expired" => "Le dossier n'est plus valable",
        "file-check-unavailable" => "Le dossier ne peut pas être vérifié maintenant",
        "unavailable" => "Le service est momentanément indisponible",
        "internal" => "Erreur interne du serveur",
        _ => "Erreur",
    }
}

/// What was not found, in French (with its article).
fn missing(what: &str) -> String {
    let noun = match what {
        "reservation" => "ce rendez-vous",
        "préfecture" => "cette préfecture",
        "démarche" => "cette démarche",
        "site" => "ce site",
        "route" => "cette adresse (route)",
        "person" => "cette personne",
        "motif" => "ce motif",
        "service" => "ce service",
        "guichet" => "ce guichet",
        "plage" => "cette plage",
        "closure" => "cette fermeture",
        "commune" => "cette commune",
        "convocation" => "cette convocation",
        "delivery" => "cet envoi",
        "hold" => "ce créneau retenu",
        "webhook subscription" => "cet abonnement webhook",
        "referenced object" => "l'objet désigné",
        _ => "cet objet",
    };
    format!("{noun} n'existe pas (ou ne vous est pas visible)")
}

/// The French detail of `error`.
pub fn detail(error: &ApiError, english: &str) -> String {
    use ApiError as E;
    match error {
        E::Malformed { .. }
        | E::Unauthorized(_)
        | E::InvalidContext(_)
        | E::HubUnauthorized(_) => {
            messages_fr::translate(english)
        }
        E::Conflict(why) | E::CannotUndo(why) => messages_fr::translate(why),
        E::UnsupportedMediaType => {
            "envoyez le corps avec Content-Type: application/json".to_owned()
        }
        E::PayloadTooLarge => "le corps dépasse la taille permise".to_owned(),
        E::MissingHeader(name) => format!("l'en-tête {name} est obligatoire"),
        E::Forbidden => "votre rôle et votre périmètre ne couvrent pas cet objet".to_owned(),
        E::Validation(errors) => match errors.as_slice() {
            [one] => format!("{} : {}", one.field, messages_fr::translate(&one.message)),
            many => format!("{} champs sont invalides", many.len()),
        },
        E::NotFound(what) => missing(what),
        E::MethodNotAllowed(allowed) => {
            format!("cette adresse accepte {}", allowed.join(", "))
        }
        E::SlotTaken => {
            "tous les guichets sont réservés à cette heure ; choisissez un autre créneau".to_owned()
        }
        E::NoWalkInTime => "aucun guichet servant ce motif n'est libre maintenant ni dans l'horizon d'accueil sans rendez-vous de la préfecture ; proposez plutôt un rendez-vous".to_owned(),
        E::AppointmentPast => {
            "le rendez-vous a commencé ou est passé et ne peut plus être modifié".to_owned()
        }
        E::Stale { current } => format!(
            "quelqu'un l'a modifié depuis la version envoyée ; elle est maintenant à la version {current} : relisez-la, refaites votre modification et envoyez-la avec If-Match: \"{current}\""
        ),
        E::PreconditionRequired => "envoyez la version lue (l'ETag de sa dernière réponse, par exemple \"3\") dans If-Match".to_owned(),
        E::CancellationDeadlinePassed(hours) => format!(
            "l'annulation en ligne ferme {hours} heures avant le rendez-vous ; contactez la préfecture"
        ),
        E::Affected(refs) => format!(
            "{} rendez-vous pris y tombent ; recommencez avec on_conflict=flag pour l'appliquer et les marquer à reprogrammer",
            refs.len()
        ),
        E::ConvocationRequired => "la préfecture envoie un lien personnel aux personnes qu'elle reçoit pour ce motif ; il ne se réserve pas librement en ligne".to_owned(),
        E::AlreadyBooked => "un rendez-vous pour cette démarche est déjà pris à votre nom ; retrouvez-le avec la référence et le lien reçus à la réservation, ou annulez-le avant d'en prendre un autre".to_owned(),
        E::HoldExpired => {
            "le créneau était retenu pour un temps limité, maintenant écoulé ; choisissez de nouveau un créneau".to_owned()
        }
        E::Convocation(r) => convocation(*r).to_owned(),
        E::Context(r) => match r {
            ContextRefusal::Required => "commencez sur service-public.fr : ce motif se réserve avec le contexte que donne son routeur",
            ContextRefusal::OtherDemarche => "le routeur vous a orienté vers une autre démarche ; ce motif n'en fait pas partie",
            ContextRefusal::OtherPerson => "le rendez-vous doit être pour la personne connectée sur service-public.fr",
        }
        .to_owned(),
        E::WrongStatus(status) => format!(
            "le rendez-vous est à l'état {status} : relisez-le avant l'étape suivante"
        ),
        E::AgentCap(cap) => format!(
            "un agent peut prendre {cap} rendez-vous par jour pour d'autres dans cette préfecture ; réessayez demain ou demandez à un collègue"
        ),
        E::QuotaReached => "une personne ne peut avoir que quelques rendez-vous à venir à la fois, toutes démarches confondues ; annulez celui dont vous n'avez plus besoin avant d'en prendre un autre".to_owned(),
        E::TooManyRequests(after) => format!("ralentissez : réessayez dans {after} secondes"),
        E::ConvocationHolding(after) => format!(
            "une convocation retient un seul créneau à la fois : réservez le créneau retenu, libérez-le (DELETE /holds/{{hold_id}}) ou réessayez dans {after} secondes, quand il expire"
        ),
        E::File(r, _) => match r {
            FileRefusal::Consumed => "ce numéro de dossier a déjà servi pour un rendez-vous ; si ce rendez-vous n'était pas le vôtre, contactez la préfecture".to_owned(),
            FileRefusal::Unknown => "aucun dossier ne porte ce numéro dans le système avec lequel cette démarche est vérifiée ; vérifiez le numéro sur vos documents".to_owned(),
            FileRefusal::Expired => "ce dossier n'est plus valable ; faites une nouvelle demande avant de prendre rendez-vous".to_owned(),
            FileRefusal::Unavailable => format!(
                "le système qui détient le dossier n'a pas répondu ; rien n'a été retenu ni réservé : réessayez dans {FILE_CHECK_RETRY_AFTER_SECONDS} secondes"
            ),
        },
        E::Unavailable => format!("réessayez dans {RETRY_AFTER_SECONDS} secondes"),
        E::Internal => "une erreur inattendue s'est produite ; elle a été journalisée".to_owned(),
    }
}

/// What an applicant is told, in French, when their convocation is refused.
pub fn convocation(r: Refusal) -> &'static str {
    match r {
        Refusal::Unknown => {
            "aucune convocation n'a ce lien ; vérifiez le lien reçu de la préfecture"
        }
        Refusal::OtherMotif => {
            "cette convocation réserve un autre motif ; suivez le lien reçu de la préfecture"
        }
        Refusal::Used => {
            "un rendez-vous est déjà pris avec cette convocation ; annulez-le pour choisir une autre heure"
        }
        Refusal::Expired => "cette convocation n'est plus valable ; contactez la préfecture",
        Refusal::Revoked => "la préfecture a retiré cette convocation ; contactez-la",
        Refusal::OtherPerson => {
            "la convocation est personnelle : le demandeur doit être la personne qu'elle désigne (mêmes noms et date de naissance, ou même numéro de dossier étranger)"
        }
        Refusal::OutsideDays => {
            "la convocation permet d'autres jours ; choisissez un créneau parmi ceux proposés avec elle"
        }
        Refusal::NotPresented => {
            "ce créneau a été retenu avec une convocation : confirmez-le avec le même lien de convocation"
        }
    }
}
