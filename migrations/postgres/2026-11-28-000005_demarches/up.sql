-- The national catalogue of démarches: the codes service-public.fr's
-- router speaks, with national defaults. National administrators edit it.
CREATE TABLE demarches (
    code                     TEXT PRIMARY KEY NOT NULL,
    label                    TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    default_duration_minutes INTEGER NOT NULL
        CHECK (default_duration_minutes BETWEEN 5 AND 240 AND default_duration_minutes % 5 = 0),
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);

-- A motif may be created from a démarche: each field it does not override
-- follows the national default (the *_overridden flags say which), and a
-- change of a default is written into every motif that follows it, in the
-- same transaction. Motifs created without a démarche override everything.
ALTER TABLE motifs ADD COLUMN demarche_code TEXT REFERENCES demarches (code);
ALTER TABLE motifs ADD COLUMN label_overridden BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE motifs ADD COLUMN description_overridden BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE motifs ADD COLUMN duration_overridden BOOLEAN NOT NULL DEFAULT TRUE;
CREATE INDEX motifs_demarche_idx ON motifs (demarche_code);

-- The démarches préfectures receive the public for. Labels follow
-- service-public.fr's wording; default durations are starting points that
-- each préfecture adjusts (no national figure is published).
INSERT INTO demarches (code, label, description, default_duration_minutes, created_at, updated_at) VALUES
('sejour-premiere-demande', 'Première demande de titre de séjour',
 'Dépôt d''une première demande de carte de séjour. Apportez passeport, justificatif de domicile de moins de 3 mois, 3 photos d''identité conformes et les pièces propres à votre situation.',
 45, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('sejour-renouvellement', 'Renouvellement de titre de séjour',
 'Renouvellement d''une carte de séjour, lorsqu''il ne se fait pas en ligne. Apportez le titre en cours, passeport, justificatif de domicile et 3 photos.',
 30, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('sejour-remise-titre', 'Remise de titre de séjour',
 'Retrait d''un titre de séjour fabriqué, sur présentation du SMS de mise à disposition, du récépissé ou de l''attestation, et du passeport.',
 15, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('sejour-changement-statut', 'Changement de statut',
 'Passage d''un titre de séjour à un autre (par exemple d''étudiant à salarié). Apportez le titre en cours et les pièces justifiant du nouveau motif de séjour.',
 45, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('sejour-dcem', 'Document de circulation pour étranger mineur',
 'Demande de DCEM pour un enfant mineur résidant en France. Apportez l''acte de naissance de l''enfant, son passeport, le titre de séjour d''un parent.',
 30, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('naturalisation-entretien', 'Entretien d''assimilation (naturalisation)',
 'Entretien individuel dans le cadre d''une demande de naturalisation. Apportez votre convocation et une pièce d''identité.',
 60, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('asile-guda', 'Enregistrement d''une demande d''asile (guichet unique)',
 'Enregistrement de la demande d''asile au guichet unique (GUDA), après orientation par la structure de premier accueil.',
 60, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('permis-echange-etranger', 'Échange de permis de conduire étranger',
 'Dépôt d''une demande d''échange d''un permis de conduire délivré hors de l''Union européenne, lorsque la préfecture reçoit ces demandes au guichet.',
 30, '2026-11-28 00:00:00', '2026-11-28 00:00:00'),
('permis-commission-medicale', 'Commission médicale du permis de conduire',
 'Contrôle médical de l''aptitude à la conduite devant la commission médicale primaire. Apportez le formulaire cerfa rempli, une pièce d''identité et votre permis.',
 20, '2026-11-28 00:00:00', '2026-11-28 00:00:00');
