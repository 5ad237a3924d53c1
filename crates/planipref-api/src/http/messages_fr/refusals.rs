//! The French of refusals' reasons: conflicts (`Conflict`, the store's
//! `InUse`), steps that cannot be undone, authentication and router
//! contexts refused, requests that cannot be read (`Malformed`).

/// English reason (or template) → French.
pub(super) const REFUSALS: &[(&str, &str)] = &[
    // Writes that conflict with what is stored.
    ("it exists already", "un objet identique existe déjà"),
    (
        "it changed meanwhile; read it again",
        "l'objet a été modifié entre-temps ; relisez-le",
    ),
    (
        "this préfecture exists already",
        "cette préfecture existe déjà",
    ),
    (
        "a démarche with that code exists",
        "une démarche porte déjà ce code",
    ),
    (
        "a site of that name already exists in this préfecture",
        "un site de ce nom existe déjà dans cette préfecture",
    ),
    (
        "a service of that name exists at this site",
        "un service de ce nom existe déjà sur ce site",
    ),
    (
        "a guichet of that name exists at this site",
        "un guichet de ce nom existe déjà sur ce site",
    ),
    (
        "a motif with that label exists in this service",
        "un motif portant ce libellé existe déjà dans ce service",
    ),
    (
        "conflicting préfecture",
        "cette préfecture est en conflit avec une autre",
    ),
    (
        "conflicting démarche",
        "cette démarche est en conflit avec une autre",
    ),
    (
        "conflicting plage",
        "cette plage est en conflit avec une autre",
    ),
    (
        "conflicting closure",
        "cette fermeture est en conflit avec une autre",
    ),
    (
        "the site is already opened that day",
        "le site est déjà ouvert ce jour-là",
    ),
    ("préfecture in use", "la préfecture est encore utilisée"),
    ("site in use", "le site est encore utilisé"),
    ("service in use", "le service est encore utilisé"),
    ("guichet in use", "le guichet est encore utilisé"),
    ("motif in use", "le motif est encore utilisé"),
    ("closure in use", "la fermeture est encore utilisée"),
    (
        "the préfecture still has sites",
        "la préfecture a encore des sites",
    ),
    (
        "appointments were booked at this site; it cannot be deleted",
        "des rendez-vous ont été pris sur ce site ; il ne peut pas être supprimé",
    ),
    (
        "the service still has motifs; delete them first",
        "le service a encore des motifs ; supprimez-les d'abord",
    ),
    (
        "appointments were booked at this guichet; set its active_until instead",
        "des rendez-vous ont été pris à ce guichet ; renseignez plutôt son active_until",
    ),
    (
        "a plage of this guichet is restricted to a motif being removed: change that plage first",
        "une plage de ce guichet est réservée à un motif que vous retirez : modifiez d'abord cette plage",
    ),
    (
        "appointments were booked for this motif; make it convocation-only or remove it from its guichets instead",
        "des rendez-vous ont été pris pour ce motif ; réservez-le plutôt aux convocations, ou retirez-le de ses guichets",
    ),
    (
        "a plage is restricted to this motif; change that plage first",
        "une plage est réservée à ce motif ; modifiez d'abord cette plage",
    ),
    (
        "the delivery is still pending: it will be attempted",
        "l'envoi est encore en attente : il sera tenté",
    ),
    // Appointments and the counter's day.
    ("the appointment is cancelled", "le rendez-vous est annulé"),
    (
        "the appointment has not started yet",
        "le rendez-vous n'a pas encore commencé",
    ),
    (
        "no step has been taken since the booking",
        "aucune étape n'a été franchie depuis la prise du rendez-vous",
    ),
    (
        "the last step is more than 15 minutes old: it stands",
        "la dernière étape date de plus de 15 minutes : elle est maintenue",
    ),
    ("nothing to undo", "il n'y a rien à annuler"),
    // Agents' tokens and the router's contexts.
    (
        "a bearer token is required",
        "un jeton d'accès (Bearer) est requis",
    ),
    ("the token has expired", "le jeton a expiré"),
    (
        "the token is not valid yet",
        "le jeton n'est pas encore valable",
    ),
    (
        "the token is meant for another audience",
        "le jeton est destiné à un autre service (audience)",
    ),
    (
        "the token comes from an unknown issuer",
        "le jeton provient d'un émetteur inconnu",
    ),
    (
        "the token's signature is invalid",
        "la signature du jeton n'est pas valide",
    ),
    (
        "the token is signed with another algorithm",
        "le jeton est signé avec un autre algorithme",
    ),
    ("the token is malformed", "le jeton est mal formé"),
    (
        "the token's role or scope is invalid",
        "le rôle ou le périmètre du jeton n'est pas valide",
    ),
    (
        "the context names no démarche",
        "le contexte ne désigne aucune démarche",
    ),
    (
        "this server accepts no router context",
        "ce serveur n'accepte aucun contexte de routeur",
    ),
    // National hubs.
    (
        "the hub's token is required",
        "le jeton de la plateforme est obligatoire",
    ),
    (
        "the hub's token is not valid",
        "le jeton de la plateforme n'est pas valide",
    ),
    // Requests that cannot be read.
    (
        "the body could not be read",
        "le corps de la requête n'a pas pu être lu",
    ),
    (
        "NUL characters (\\u0000) are not accepted",
        "les caractères NUL (\\u0000) ne sont pas acceptés",
    ),
    (
        "NUL characters (%00) are not accepted in paths or queries",
        "les caractères NUL (%00) ne sont acceptés ni dans les chemins ni dans les paramètres",
    ),
    ("invalid JSON: {}", "JSON invalide : {}"),
    ("{} must be sent once", "{} ne doit être envoyé qu'une fois"),
    (
        "If-Match must be the resource's ETag as read, a version number in quotes such as \"3\"",
        "If-Match doit être l'ETag de la ressource tel que lu, un numéro de version entre guillemets comme \"3\"",
    ),
    (
        "a request with this Idempotency-Key is still being processed; retry in a moment",
        "une requête portant cette Idempotency-Key est encore en cours de traitement ; réessayez dans un instant",
    ),
    (
        "This cross-origin request is refused: {}.",
        "Cette requête d'une autre origine est refusée : {}.",
    ),
];
