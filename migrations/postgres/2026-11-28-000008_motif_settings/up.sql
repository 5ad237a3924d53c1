-- PostgreSQL dialect of the SQLite migration of the same name.
-- The rest of what a préfecture sets: documents to bring and default
-- booking rules of each démarche; persons, documents, instructions and
-- booking mode of each motif; the period a guichet works; the territory a
-- site is competent for.

-- Documents are a JSON array of strings (one line each, shown in order).
ALTER TABLE demarches ADD COLUMN documents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE demarches ADD COLUMN default_booking_window_days INTEGER NOT NULL DEFAULT 90
    CHECK (default_booking_window_days BETWEEN 1 AND 366);
ALTER TABLE demarches ADD COLUMN default_min_notice_hours INTEGER NOT NULL DEFAULT 24
    CHECK (default_min_notice_hours BETWEEN 0 AND 720);
ALTER TABLE demarches ADD COLUMN default_cancellation_deadline_hours INTEGER NOT NULL DEFAULT 24
    CHECK (default_cancellation_deadline_hours BETWEEN 0 AND 720);

-- Like label, description and duration, a motif's documents and booking
-- rules follow its démarche unless overridden. Existing motifs keep what
-- they hold (overridden), except documents, which they did not have.
ALTER TABLE motifs ADD COLUMN documents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE motifs ADD COLUMN documents_overridden BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE motifs ADD COLUMN booking_window_overridden BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE motifs ADD COLUMN min_notice_overridden BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE motifs ADD COLUMN cancellation_deadline_overridden BOOLEAN NOT NULL DEFAULT TRUE;
-- How many persons one appointment may be for, and whether each extra
-- person lengthens it by the motif's duration.
ALTER TABLE motifs ADD COLUMN max_persons INTEGER NOT NULL DEFAULT 1
    CHECK (max_persons BETWEEN 1 AND 10);
ALTER TABLE motifs ADD COLUMN duration_per_person BOOLEAN NOT NULL DEFAULT FALSE;
-- Shown to the applicant once booked (where to go, what to expect).
ALTER TABLE motifs ADD COLUMN instructions TEXT NOT NULL DEFAULT '';
-- 'online': anyone may book; 'convocation_only': only with an agent's
-- convocation.
ALTER TABLE motifs ADD COLUMN booking_mode TEXT NOT NULL DEFAULT 'online'
    CHECK (booking_mode IN ('online', 'convocation_only'));

-- A guichet takes appointments only between these days (inclusive), when set.
ALTER TABLE guichets ADD COLUMN active_from DATE;
ALTER TABLE guichets ADD COLUMN active_until DATE;

-- The territory a site is competent for: whole arrondissements (COG code
-- such as 931 or 9741) or single communes (INSEE code). Several sites may
-- claim the same territory for different démarches; orientation decides.
CREATE TABLE site_competences (
    site_id TEXT NOT NULL REFERENCES sites (id),
    kind    TEXT NOT NULL CHECK (kind IN ('arrondissement', 'commune')),
    code    TEXT NOT NULL,
    CONSTRAINT site_competences_pkey PRIMARY KEY (site_id, kind, code)
);
CREATE INDEX site_competences_code_idx ON site_competences (kind, code);

-- Documents of the seeded démarches (service-public.fr's lists, shortened).
UPDATE demarches SET documents = '["Passeport en cours de validité","Justificatif de domicile de moins de 3 mois","3 photos d''identité conformes","Pièces propres à votre situation (liste sur service-public.fr)"]' WHERE code = 'sejour-premiere-demande';
UPDATE demarches SET documents = '["Titre de séjour en cours","Passeport en cours de validité","Justificatif de domicile de moins de 3 mois","3 photos d''identité conformes"]' WHERE code = 'sejour-renouvellement';
UPDATE demarches SET documents = '["SMS ou courrier de mise à disposition","Récépissé ou attestation de décision favorable","Passeport en cours de validité","Timbres fiscaux du montant demandé"]' WHERE code = 'sejour-remise-titre';
UPDATE demarches SET documents = '["Titre de séjour en cours","Passeport en cours de validité","Pièces justifiant du nouveau motif de séjour"]' WHERE code = 'sejour-changement-statut';
UPDATE demarches SET documents = '["Acte de naissance de l''enfant","Passeport de l''enfant","Titre de séjour d''un parent","2 photos d''identité de l''enfant"]' WHERE code = 'sejour-dcem';
UPDATE demarches SET documents = '["Convocation","Pièce d''identité"]' WHERE code = 'naturalisation-entretien';
UPDATE demarches SET documents = '["Convocation de la structure de premier accueil","Documents d''identité et de voyage en votre possession"]' WHERE code = 'asile-guda';
UPDATE demarches SET documents = '["Permis de conduire étranger et sa traduction officielle","Titre de séjour","Justificatif de domicile de moins de 6 mois","Photos d''identité conformes"]' WHERE code = 'permis-echange-etranger';
UPDATE demarches SET documents = '["Formulaire cerfa n° 14880 rempli","Pièce d''identité","Permis de conduire (s''il a été délivré)"]' WHERE code = 'permis-commission-medicale';

-- Motifs created from a démarche follow its documents.
UPDATE motifs SET documents_overridden = FALSE,
    documents = (SELECT documents FROM demarches WHERE demarches.code = motifs.demarche_code)
    WHERE demarche_code IS NOT NULL;
