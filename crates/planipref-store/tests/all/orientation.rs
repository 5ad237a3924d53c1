//! Orientation's data on every configured backend: the communes reference
//! is loaded once, reloaded only when it changes, never half-way; the sites
//! offering a démarche come with their arrondissement and competence.

use planipref_seed::seed_demo;
use planipref_store::StoreError;
use planipref_store::orientation::{COMMUNES_CSV, CommunesSync};
use planipref_test_support::TestDb;

#[test]
fn the_communes_are_loaded_once_and_reloaded_when_they_change() {
    for db in TestDb::each() {
        let store = db.store();
        assert_eq!(
            store.sync_communes().unwrap(),
            CommunesSync::Loaded(35_014),
            "{}",
            db.backend()
        );
        assert_eq!(store.sync_communes().unwrap(), CommunesSync::UpToDate);

        let mamoudzou = store.commune("97611").unwrap();
        assert_eq!(mamoudzou.departement, "976");
        assert_eq!(mamoudzou.arrondissement, None);
        let paris_12 = store.commune("75112").unwrap();
        assert_eq!(paris_12.kind, "arrondissement_municipal");
        assert_eq!(paris_12.parent_commune.as_deref(), Some("75056"));
        assert_eq!(paris_12.arrondissement.as_deref(), Some("751"));
        let ajaccio = store.commune("2A004").unwrap();
        assert_eq!(ajaccio.departement, "2A");
        assert!(matches!(store.commune("99999"), Err(StoreError::NotFound)));

        // A new edition replaces the list: a commune renamed, one gone.
        let edition: String = COMMUNES_CSV
            .lines()
            .filter(|l| !l.starts_with("97611,"))
            .map(|l| l.replace("93066,Saint-Denis,", "93066,Saint-Denis (93),"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            store.sync_communes_from(&edition).unwrap(),
            CommunesSync::Loaded(35_013)
        );
        assert_eq!(store.commune("93066").unwrap().name, "Saint-Denis (93)");
        assert!(matches!(store.commune("97611"), Err(StoreError::NotFound)));

        // A broken file changes nothing.
        let broken = format!("{edition}\n9999,Nowhere,commune,99,,,,\n");
        assert!(store.sync_communes_from(&broken).is_err());
        assert_eq!(store.commune("93066").unwrap().name, "Saint-Denis (93)");
        assert!(matches!(store.commune("97611"), Err(StoreError::NotFound)));
        // And the embedded edition comes back.
        assert_eq!(store.sync_communes().unwrap(), CommunesSync::Loaded(35_014));
        assert_eq!(store.commune("97611").unwrap().name, "Mamoudzou");
    }
}

#[test]
fn the_sites_offering_a_demarche_come_with_their_arrondissement() {
    for db in TestDb::each() {
        let store = db.store();
        seed_demo(store).unwrap();
        store.sync_communes().unwrap();
        let sites = store.offering_sites("93", "sejour-renouvellement").unwrap();
        let found: Vec<(&str, Option<&str>, usize)> = sites
            .iter()
            .map(|s| {
                (
                    s.site.commune_insee.as_str(),
                    s.arrondissement.as_deref(),
                    s.motifs.len(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("93008", Some("931"), 1),
                ("93066", Some("933"), 1),
                ("93062", Some("932"), 1),
            ],
            "{}: by name (Préfecture…, Sous-préfecture de Saint-Denis, du Raincy)",
            db.backend()
        );
        assert!(sites.iter().all(|s| s.competence.communes.is_empty()));
        // Only the démarche asked about, only the département asked about.
        assert!(
            sites
                .iter()
                .flat_map(|s| &s.motifs)
                .all(|(m, _)| m.demarche_code.as_deref() == Some("sejour-renouvellement"))
        );
        assert!(
            store
                .offering_sites("75", "sejour-renouvellement")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .offering_sites("93", "sejour-premiere-demande")
                .unwrap()
                .len(),
            1
        );
    }
}
