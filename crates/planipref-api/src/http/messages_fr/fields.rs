//! The French of invalid fields' messages (`errors[].message`): the
//! rules of the domain and the shapes the API reads. Specific entries
//! come before the templates that would also match them.

/// English message (or template) → French.
pub(super) const FIELDS: &[(&str, &str)] = &[
    // Texts and lists.
    ("must not be empty", "ne doit pas être vide"),
    (
        "must be at most {} characters",
        "doit compter au plus {} caractères",
    ),
    (
        "must be 3 to 500 characters",
        "doit compter de 3 à 500 caractères",
    ),
    (
        "must not contain control characters",
        "ne doit pas contenir de caractères de contrôle",
    ),
    ("is required", "est obligatoire"),
    ("must be given once", "ne doit figurer qu'une fois"),
    ("is incomplete", "est incomplet"),
    ("is listed twice", "figure deux fois"),
    ("{} is repeated", "{} figure deux fois"),
    ("cannot be changed", "ne peut pas être modifié"),
    // The applicant.
    (
        "must be a valid e-mail address",
        "doit être une adresse électronique valide",
    ),
    (
        "must be an international number such as +33 6 12 34 56 78, or a French number of 10 digits",
        "doit être un numéro international comme +33 6 12 34 56 78, ou un numéro français à 10 chiffres",
    ),
    (
        "must be a three-letter ISO 3166-1 country code (e.g. SEN)",
        "doit être un code pays ISO 3166-1 à trois lettres (par exemple SEN)",
    ),
    (
        "must be a file number: the foreigner's number (10 digits), an ANEF or ANTS request number, or a NEPH (12 digits); 10 to 20 letters and digits",
        "doit être un numéro de dossier : le numéro étranger (10 chiffres), un numéro de demande ANEF ou ANTS, ou un NEPH (12 chiffres) ; 10 à 20 lettres et chiffres",
    ),
    (
        "must be, for this démarche, the foreigner's number (numéro étranger, 10 digits) or an ANEF request number (11 to 20 letters and digits)",
        "doit être, pour cette démarche, le numéro étranger (10 chiffres) ou un numéro de demande ANEF (11 à 20 lettres et chiffres)",
    ),
    (
        "must be, for this démarche, an ANTS request number (10 letters and digits) or a NEPH (12 digits)",
        "doit être, pour cette démarche, un numéro de demande ANTS (10 lettres et chiffres) ou un NEPH (12 chiffres)",
    ),
    (
        "must be a dossier number from 1 to {}",
        "doit être un numéro de dossier de 1 à {}",
    ),
    ("must be anef or snpc", "doit être anef ou snpc"),
    (
        "must be refuse or accept_and_flag",
        "doit être refuse ou accept_and_flag",
    ),
    (
        "is given only with file_check",
        "ne se donne qu'avec file_check",
    ),
    (
        "may contain only letters, spaces, hyphens, apostrophes and dots",
        "ne peut contenir que des lettres, des espaces, des traits d'union, des apostrophes et des points",
    ),
    ("must contain a letter", "doit contenir au moins une lettre"),
    (
        "must be the person signed in",
        "doit être la personne connectée",
    ),
    (
        "must say how the person is reached when neither e-mail nor phone is given",
        "doit préciser comment joindre la personne lorsque ni courriel ni téléphone n'est indiqué",
    ),
    (
        "is needed to send the convocation by e-mail",
        "est nécessaire pour envoyer la convocation par courriel",
    ),
    (
        "must be a French mobile number to send the convocation by SMS",
        "doit être un numéro de mobile français pour envoyer la convocation par SMS",
    ),
    (
        "lists email and sms only",
        "ne peut lister que email et sms",
    ),
    (
        "give either reference or file_number",
        "indiquez soit reference, soit file_number",
    ),
    // Dates and times.
    (
        "must be a date written YYYY-MM-DD",
        "doit être une date au format AAAA-MM-JJ",
    ),
    (
        "must be a date, YYYY-MM-DD",
        "doit être une date au format AAAA-MM-JJ",
    ),
    (
        "must be a local time written HH:MM",
        "doit être une heure locale au format HH:MM",
    ),
    (
        "must be a local date-time written YYYY-MM-DDTHH:MM",
        "doit être une date et une heure locales au format AAAA-MM-JJTHH:MM",
    ),
    (
        "must be an instant with offset, as given by the slots endpoint",
        "doit être un instant avec son décalage horaire, tel que le donne la liste des créneaux",
    ),
    (
        "must not be in the future",
        "ne doit pas être dans le futur",
    ),
    ("must not be in the past", "ne doit pas être dans le passé"),
    ("must not be before {}", "ne doit pas être antérieur à {}"),
    ("must be after start", "doit être postérieur à start"),
    (
        "must be a date between 2000 and 2100",
        "doit être une date comprise entre 2000 et 2100",
    ),
    (
        "must be within 366 days of from",
        "doit se situer au plus 366 jours après from",
    ),
    (
        "the range may cover at most {} days",
        "la période peut couvrir au plus {} jours",
    ),
    (
        "a closure may last at most {} days",
        "une fermeture peut durer au plus {} jours",
    ),
    (
        "give either from_date and to_date (whole days) or start and end (local date-times)",
        "indiquez soit from_date et to_date (journées entières), soit start et end (dates et heures locales)",
    ),
    (
        "does not exist, or exists twice, on the site's clocks (clock change)",
        "n'existe pas, ou existe deux fois, à l'heure locale du site (changement d'heure)",
    ),
    (
        "is not a public holiday of the site's département",
        "n'est pas un jour férié dans le département du site",
    ),
    // Numbers.
    (
        "must be between 0 (off) and 20",
        "doit être compris entre 0 (désactivé) et 20",
    ),
    (
        "must be between {} and {} minutes",
        "doit être compris entre {} et {} minutes",
    ),
    (
        "must be between 1 and {} for this motif",
        "doit être compris entre 1 et {} pour ce motif",
    ),
    (
        "must be between {} and {}",
        "doit être compris entre {} et {}",
    ),
    (
        "must be a multiple of {} minutes between {} and {}",
        "doit être un multiple de {} minutes compris entre {} et {}",
    ),
    (
        "must be a multiple of {} minutes",
        "doit être un multiple de {} minutes",
    ),
    (
        "must be on a {}-minute boundary",
        "doit tomber sur un multiple de {} minutes",
    ),
    (
        "must not be less than release_delay_min_minutes",
        "ne doit pas être inférieur à release_delay_min_minutes",
    ),
    (
        "must end by midnight: opening_start_minute plus opening_window_minutes at most 1440",
        "doit se terminer au plus tard à minuit : opening_start_minute plus opening_window_minutes ne doit pas dépasser 1440",
    ),
    // Values among a few.
    (
        "must be public, convocation or walk_in",
        "doit valoir public, convocation ou walk_in",
    ),
    (
        "must be phone, counter or intermediary",
        "doit valoir phone, counter ou intermediary",
    ),
    (
        "must be online or convocation_only",
        "doit valoir online ou convocation_only",
    ),
    (
        "must be day, week or month",
        "doit valoir day, week ou month",
    ),
    (
        "must be motif, guichet or channel",
        "doit valoir motif, guichet ou channel",
    ),
    ("must be fr or en", "doit valoir fr ou en"),
    (
        "must be prefecture, sous_prefecture or antenne",
        "doit valoir prefecture, sous_prefecture ou antenne",
    ),
    ("must be refuse or flag", "doit valoir refuse ou flag"),
    (
        "must be issued, booked, expired or revoked",
        "doit valoir issued, booked, expired ou revoked",
    ),
    (
        "must be booked, checked_in, called, done, no_show or cancelled",
        "doit valoir booked, checked_in, called, done, no_show ou cancelled",
    ),
    (
        "must be pending, sent, failed or cancelled",
        "doit valoir pending, sent, failed ou cancelled",
    ),
    // Sites, communes, time zones.
    (
        "must be a département code such as 93, 2A or 974",
        "doit être un code de département comme 93, 2A ou 974",
    ),
    (
        "must be a département code such as 93",
        "doit être un code de département comme 93",
    ),
    ("must be five digits", "doit compter cinq chiffres"),
    (
        "must be an INSEE commune code such as 93008",
        "doit être un code commune INSEE comme 93008",
    ),
    (
        "must be an INSEE commune code of five characters, such as 93066 or 2A004",
        "doit être un code commune INSEE de cinq caractères, comme 93066 ou 2A004",
    ),
    (
        "must be a commune of département {}",
        "doit être une commune du département {}",
    ),
    (
        "must be an IANA time zone such as Europe/Paris",
        "doit être un fuseau horaire IANA comme Europe/Paris",
    ),
    (
        "no time zone is known for département {}",
        "aucun fuseau horaire n'est connu pour le département {}",
    ),
    (
        "must be {}, the time zone of département {}",
        "doit être {}, le fuseau horaire du département {}",
    ),
    (
        "must be one of the time zones of département {}: {}",
        "doit être l'un des fuseaux horaires du département {} : {}",
    ),
    (
        "must be a code of the site's département",
        "doit être un code du département du site",
    ),
    ("must list at most {} codes", "doit lister au plus {} codes"),
    ("no such préfecture", "cette préfecture n'existe pas"),
    // Motifs, guichets, plages.
    (
        "must be 3 to 64 lower-case letters or digits in words joined by hyphens, such as sejour-renouvellement",
        "doit compter de 3 à 64 lettres minuscules ou chiffres, en mots reliés par des traits d'union, comme sejour-renouvellement",
    ),
    (
        "must list at most {} documents",
        "doit lister au plus {} pièces",
    ),
    (
        "lists the same document twice",
        "cite deux fois la même pièce",
    ),
    (
        "times the duration must not exceed {} minutes when duration grows with persons",
        "multiplié par la durée, ne doit pas dépasser {} minutes quand la durée croît avec le nombre de personnes",
    ),
    (
        "at most {} different numbers of hours before the appointment, each from 1 to {}",
        "au plus {} délais différents, en heures avant le rendez-vous, chacun de 1 à {}",
    ),
    (
        "is required for a motif without a démarche",
        "est obligatoire pour un motif sans démarche",
    ),
    (
        "is set when the motif is created; create another motif for another démarche",
        "est fixé à la création du motif ; créez un autre motif pour une autre démarche",
    ),
    (
        "no such démarche in the national catalogue",
        "cette démarche n'existe pas dans le catalogue national",
    ),
    (
        "must name at least one motif",
        "doit désigner au moins un motif",
    ),
    (
        "{} is not a motif id",
        "{} n'est pas un identifiant de motif",
    ),
    (
        "must be a motif identifier (UUID)",
        "doit être un identifiant de motif (UUID)",
    ),
    (
        "must be a motif of this site",
        "doit être un motif de ce site",
    ),
    (
        "must be motifs of this site",
        "doit désigner des motifs de ce site",
    ),
    (
        "must be motifs served by the guichet",
        "doit désigner des motifs traités par ce guichet",
    ),
    (
        "must be a guichet id (UUID)",
        "doit être un identifiant de guichet (UUID)",
    ),
    (
        "must be a guichet id",
        "doit être un identifiant de guichet",
    ),
    (
        "must be a guichet of this site",
        "doit être un guichet de ce site",
    ),
    (
        "must be a guichet of the appointment's site",
        "doit être un guichet du site du rendez-vous",
    ),
    (
        "must be a site's id (a UUID)",
        "doit être l'identifiant d'un site (un UUID)",
    ),
    (
        "give either site_id or prefecture",
        "indiquez soit site_id, soit prefecture",
    ),
    (
        "must name at least one day",
        "doit indiquer au moins un jour",
    ),
    (
        "{} is not a day (monday … sunday)",
        "{} n'est pas un jour (monday … sunday)",
    ),
    (
        "overlaps another plage of this guichet (same day, overlapping hours and validity)",
        "chevauche une autre plage de ce guichet (même jour, horaires et périodes de validité qui se recouvrent)",
    ),
    // Booking.
    (
        "is not a bookable slot of this motif (see its slots)",
        "n'est pas un créneau réservable de ce motif (consultez ses créneaux)",
    ),
    (
        "give either hold_id, or motif_id and start, not both",
        "indiquez soit hold_id, soit motif_id et start, mais pas les deux",
    ),
    (
        "give either motif_id or demarche, not both",
        "indiquez soit motif_id, soit demarche, mais pas les deux",
    ),
    (
        "is the hold's: leave it out with hold_id",
        "est fixé par le créneau retenu : ne l'indiquez pas avec hold_id",
    ),
    (
        "must be a hold identifier (UUID)",
        "doit être l'identifiant d'un créneau retenu (UUID)",
    ),
    (
        "is the current appointment",
        "est déjà l'horaire du rendez-vous",
    ),
    ("already keeps a slot", "retient déjà un créneau"),
    // Translations of motifs.
    (
        "is the motif's own language: change the motif itself",
        "est la langue du motif lui-même : modifiez le motif",
    ),
    (
        "must be translated: the motif has one in French",
        "doit être traduit : le motif en a un en français",
    ),
    (
        "must list as many documents as the motif does in French ({})",
        "doit lister autant de pièces que le motif en français ({})",
    ),
    (
        "must list at most {} languages",
        "doit lister au plus {} langues",
    ),
    (
        "must be a language tag such as en, ar or pt-BR (ISO 639 language, optional region)",
        "doit être une étiquette de langue comme en, ar ou pt-BR (langue ISO 639, région facultative)",
    ),
    // Webhooks.
    (
        "must name at least one event",
        "doit indiquer au moins un événement",
    ),
    ("must be one of {}", "doit valoir l'une de ces valeurs : {}"),
    (
        "must be an https:// URL of at most 2000 characters",
        "doit être une URL https:// d'au plus 2000 caractères",
    ),
    (
        "must not contain spaces or control characters",
        "ne doit contenir ni espace ni caractère de contrôle",
    ),
    (
        "must start with https:// (http:// only to localhost)",
        "doit commencer par https:// (http:// seulement vers localhost)",
    ),
    (
        "must not contain credentials (user:password@): deliveries are signed",
        "ne doit pas contenir d'identifiants (user:password@) : les envois sont signés",
    ),
    (
        "must not contain a fragment (#…)",
        "ne doit pas contenir de fragment (#…)",
    ),
    (
        "must name a host (and an optional port)",
        "doit indiquer un hôte (et, si besoin, un port)",
    ),
    // Headers.
    (
        "must be {} to {} printable characters without spaces (a UUID, for example)",
        "doit compter de {} à {} caractères imprimables, sans espace (un UUID, par exemple)",
    ),
    (
        "must be printable characters without spaces",
        "doit être composé de caractères imprimables, sans espace",
    ),
    (
        "was already used for another request; use a new key for a new request",
        "a déjà servi pour une autre requête ; utilisez une nouvelle clé pour chaque nouvelle requête",
    ),
    // National hubs and sites' locations.
    (
        "must be a latitude in degrees, from -90 to 90",
        "doit être une latitude en degrés, de -90 à 90",
    ),
    (
        "must be a longitude in degrees, from -180 to 180",
        "doit être une longitude en degrés, de -180 à 180",
    ),
    (
        "must be an https:// address without spaces, at most 300 characters",
        "doit être une adresse https:// sans espace, de 300 caractères au plus",
    ),
    (
        "may name at most {} meeting points",
        "peut désigner au plus {} lieux de rendez-vous",
    ),
    (
        "must be a meeting point's id (a UUID)",
        "doit être l'identifiant d'un lieu de rendez-vous (un UUID)",
    ),
    (
        "must be a démarche's catalogue code, such as sejour-renouvellement",
        "doit être le code d'une démarche du catalogue, comme sejour-renouvellement",
    ),
    (
        "must be a whole number from 1 to {}",
        "doit être un nombre entier de 1 à {}",
    ),
    (
        "may name at most {} file numbers",
        "peut désigner au plus {} numéros de dossier",
    ),
];
