//! The tables, written by hand for both backends (see `migrations/`).

diesel::table! {
    prefectures (code) {
        code -> Text,
        name -> Text,
        departement_name -> Text,
        created_at -> Timestamp,
        release_delay_min_minutes -> Integer,
        release_delay_max_minutes -> Integer,
        opening_start_minute -> Integer,
        opening_window_minutes -> Integer,
        max_active_per_person -> Integer,
        convocation_release_hours -> Integer,
        revision -> Integer,
        no_show_after_minutes -> Integer,
        walk_in_horizon_minutes -> Integer,
        agent_daily_bookings -> Integer,
        retention_identity_months -> Integer,
        retention_message_months -> Integer,
        retention_audit_months -> Integer,
        overbooking_ceiling_percent -> Integer,
        overbooking_weeks -> Integer,
        overbooking_min_sample -> Integer,
    }
}

diesel::table! {
    sites (id) {
        id -> Text,
        prefecture_code -> Text,
        kind -> Text,
        name -> Text,
        address_line -> Text,
        postal_code -> Text,
        city -> Text,
        commune_insee -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        availability_version -> Integer,
        revision -> Integer,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        site_id -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        revision -> Integer,
    }
}

diesel::table! {
    motifs (id) {
        id -> Text,
        service_id -> Text,
        label -> Text,
        description -> Text,
        duration_minutes -> Integer,
        created_at -> Timestamp,
        demarche_code -> Nullable<Text>,
        label_overridden -> Bool,
        description_overridden -> Bool,
        duration_overridden -> Bool,
        booking_window_days -> Integer,
        min_notice_hours -> Integer,
        cancellation_deadline_hours -> Integer,
        documents -> Text,
        documents_overridden -> Bool,
        booking_window_overridden -> Bool,
        min_notice_overridden -> Bool,
        cancellation_deadline_overridden -> Bool,
        max_persons -> Integer,
        duration_per_person -> Bool,
        instructions -> Text,
        booking_mode -> Text,
        step_minutes -> Nullable<Integer>,
        refuse_doublons -> Bool,
        requires_context -> Bool,
        revision -> Integer,
        reminder_hours -> Text,
    }
}

diesel::table! {
    demarches (code) {
        code -> Text,
        label -> Text,
        description -> Text,
        default_duration_minutes -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        documents -> Text,
        default_booking_window_days -> Integer,
        default_min_notice_hours -> Integer,
        default_cancellation_deadline_hours -> Integer,
        revision -> Integer,
        file_check -> Nullable<Text>,
        file_check_on_failure -> Text,
    }
}

diesel::table! {
    guichets (id) {
        id -> Text,
        site_id -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
        active_from -> Nullable<Date>,
        active_until -> Nullable<Date>,
        version -> Integer,
        channel -> Text,
        revision -> Integer,
    }
}

diesel::table! {
    site_competences (site_id, kind, code) {
        site_id -> Text,
        kind -> Text,
        code -> Text,
    }
}

diesel::table! {
    guichet_motifs (guichet_id, motif_id) {
        guichet_id -> Text,
        motif_id -> Text,
    }
}

diesel::table! {
    plages (id) {
        id -> Text,
        guichet_id -> Text,
        weekdays -> Integer,
        start_time -> Time,
        end_time -> Time,
        valid_from -> Date,
        valid_until -> Nullable<Date>,
        created_at -> Timestamp,
        revision -> Integer,
    }
}

diesel::table! {
    plage_motifs (plage_id, motif_id) {
        plage_id -> Text,
        motif_id -> Text,
    }
}

diesel::table! {
    reservations (id) {
        id -> Text,
        reference -> Text,
        token_hash -> Text,
        site_id -> Text,
        motif_id -> Text,
        guichet_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        last_name -> Text,
        first_names -> Text,
        birth_date -> Date,
        email -> Text,
        phone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        needs_rebooking -> Bool,
        persons -> Integer,
        nationality -> Nullable<Text>,
        file_number -> Nullable<Text>,
        person_key -> Nullable<Text>,
        demarche_code -> Nullable<Text>,
        convocation_id -> Nullable<Text>,
        file_key -> Nullable<Text>,
        key_version -> Integer,
        channel -> Text,
        freed_from -> Nullable<Timestamp>,
        no_show_swept_at -> Nullable<Timestamp>,
        language -> Text,
        erased_at -> Nullable<Timestamp>,
        overbooked -> Bool,
    }
}

diesel::table! {
    /// What the counter recorded on a reservation, and who booked it.
    reservation_counter (reservation_id) {
        reservation_id -> Text,
        arrived_at -> Nullable<Timestamp>,
        called_at -> Nullable<Timestamp>,
        called_to -> Nullable<Text>,
        finished_at -> Nullable<Timestamp>,
        ticket -> Nullable<Integer>,
        booked_by -> Text,
        organisation -> Nullable<Text>,
        contact_note -> Nullable<Text>,
        file_check_system -> Nullable<Text>,
        file_check_status -> Nullable<Text>,
        ds_dossier_number -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// Messages owed (e-mail, SMS, webhook), written with the change that
    /// owes them and sent by the delivery worker.
    outbox (id) {
        id -> Text,
        kind -> Text,
        channel -> Text,
        reservation_id -> Nullable<Text>,
        convocation_id -> Nullable<Text>,
        prefecture_code -> Text,
        language -> Text,
        payload -> Text,
        sealed -> Nullable<Text>,
        status -> Text,
        due_at -> Timestamp,
        attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        subscription_id -> Nullable<Text>,
        response_status -> Nullable<Integer>,
    }
}

diesel::table! {
    /// What each purge erased, counted.
    purge_runs (id) {
        id -> Text,
        ran_at -> Timestamp,
        prefecture_code -> Text,
        category -> Text,
        cause -> Text,
        erased -> Integer,
    }
}

diesel::table! {
    /// Each motif's délai, sampled once a day.
    delay_samples (motif_id, day) {
        motif_id -> Text,
        day -> Date,
        site_id -> Text,
        demarche_code -> Nullable<Text>,
        sampled_at -> Timestamp,
        days -> Nullable<Integer>,
    }
}

diesel::table! {
    /// A préfecture's webhook subscriptions.
    webhook_subscriptions (id) {
        id -> Text,
        prefecture_code -> Text,
        url -> Text,
        events -> Text,
        description -> Text,
        active -> Bool,
        secret_sealed -> Text,
        revision -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    /// Mobile numbers (their keys) whose owner asked for no more SMS.
    sms_opt_outs (phone_key) {
        phone_key -> Text,
        opted_out_at -> Timestamp,
    }
}

diesel::table! {
    /// The last walk-in ticket given at a site on a local day.
    walk_in_tickets (site_id, day) {
        site_id -> Text,
        day -> Date,
        last_ticket -> Integer,
    }
}

diesel::table! {
    /// Appointments an agent booked for others on a day (UTC).
    agent_bookings (actor, day) {
        actor -> Text,
        day -> Date,
        count -> Integer,
    }
}

diesel::table! {
    ouvertures (id) {
        id -> Text,
        site_id -> Text,
        day -> Date,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fermetures (id) {
        id -> Text,
        site_id -> Text,
        guichet_id -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
        created_at -> Timestamp,
        revision -> Integer,
    }
}

diesel::table! {
    guichet_occupancy (guichet_id, unit_start, lane) {
        guichet_id -> Text,
        unit_start -> Timestamp,
        reservation_id -> Nullable<Text>,
        hold_id -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        lane -> SmallInt,
    }
}

diesel::table! {
    holds (id) {
        id -> Text,
        site_id -> Text,
        motif_id -> Text,
        guichet_id -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        persons -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        convocation_id -> Nullable<Text>,
        client_key -> Nullable<Text>,
        purpose -> Text,
        overbooked -> Bool,
        file_key -> Nullable<Text>,
        file_check_status -> Nullable<Text>,
    }
}

diesel::table! {
    convocations (id) {
        id -> Text,
        token_hash -> Text,
        site_id -> Text,
        motif_id -> Text,
        last_name -> Text,
        first_names -> Text,
        birth_date -> Date,
        file_number -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        valid_until -> Timestamp,
        earliest_day -> Nullable<Date>,
        latest_day -> Nullable<Date>,
        issued_by -> Text,
        issued_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        ds_dossier_number -> Nullable<BigInt>,
    }
}

diesel::table! {
    secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    client_guards (client_key) {
        client_key -> Text,
        touched_at -> Timestamp,
    }
}

diesel::table! {
    person_guards (person_key, demarche_code) {
        person_key -> Text,
        demarche_code -> Text,
        touched_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (key_hash) {
        key_hash -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        body -> Nullable<Text>,
        location -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    reservation_events (id) {
        id -> Text,
        reservation_id -> Text,
        occurred_at -> Timestamp,
        actor -> Text,
        action -> Text,
        detail -> Nullable<Text>,
        previous -> Nullable<Text>,
        current -> Nullable<Text>,
    }
}

diesel::joinable!(sites -> prefectures (prefecture_code));
diesel::joinable!(webhook_subscriptions -> prefectures (prefecture_code));
diesel::joinable!(services -> sites (site_id));
diesel::joinable!(motifs -> services (service_id));
diesel::joinable!(guichets -> sites (site_id));
diesel::joinable!(site_competences -> sites (site_id));
diesel::joinable!(guichet_motifs -> guichets (guichet_id));
diesel::joinable!(guichet_motifs -> motifs (motif_id));
diesel::joinable!(plages -> guichets (guichet_id));
diesel::joinable!(holds -> motifs (motif_id));
diesel::joinable!(plage_motifs -> plages (plage_id));
diesel::joinable!(reservations -> motifs (motif_id));
diesel::joinable!(reservation_events -> reservations (reservation_id));
diesel::joinable!(reservation_counter -> reservations (reservation_id));
diesel::joinable!(convocations -> motifs (motif_id));

diesel::table! {
    communes (insee) {
        insee -> Text,
        name -> Text,
        kind -> Text,
        departement -> Text,
        arrondissement -> Nullable<Text>,
        parent_commune -> Nullable<Text>,
        postal_codes -> Text,
        population -> Nullable<Integer>,
    }
}

diesel::table! {
    reference_data (name) {
        name -> Text,
        version -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    /// Bookings and cancellations of each guichet, counted for the
    /// availability versions.
    guichet_bookings (guichet_id) {
        guichet_id -> Text,
        version -> Integer,
    }
}

diesel::joinable!(guichet_bookings -> guichets (guichet_id));

diesel::table! {
    overbooking_guards (motif_id, day) {
        motif_id -> Text,
        day -> Date,
        touched_at -> Timestamp,
    }
}

diesel::table! {
    motif_translations (motif_id, language) {
        motif_id -> Text,
        language -> Text,
        label -> Text,
        description -> Text,
        instructions -> Text,
        documents -> Text,
        source_digest -> Text,
    }
}

diesel::joinable!(motif_translations -> motifs (motif_id));

diesel::table! {
    import_mappings (kind, external_id) {
        kind -> Text,
        external_id -> Text,
        object_id -> Text,
        digest -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    /// Where a site receives the public, for national hubs.
    site_locations (site_id) {
        site_id -> Text,
        latitude -> Double,
        longitude -> Double,
        website -> Nullable<Text>,
    }
}

diesel::joinable!(site_locations -> sites (site_id));

diesel::allow_tables_to_appear_in_same_query!(
    site_locations,
    import_mappings,
    motif_translations,
    overbooking_guards,
    sms_opt_outs,
    outbox,
    webhook_subscriptions,
    delay_samples,
    purge_runs,
    guichet_bookings,
    walk_in_tickets,
    agent_bookings,
    reservation_counter,
    prefectures,
    communes,
    reference_data,
    sites,
    services,
    motifs,
    guichets,
    guichet_motifs,
    plages,
    plage_motifs,
    reservations,
    guichet_occupancy,
    reservation_events,
    audit_events,
    fermetures,
    ouvertures,
    demarches,
    site_competences,
    holds,
    person_guards,
    idempotency_keys,
    convocations,
    client_guards,
    secrets,
);

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor -> Text,
        departement -> Nullable<Text>,
        site_id -> Nullable<Text>,
        entity -> Text,
        entity_id -> Text,
        action -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        pseudonymised_at -> Nullable<Timestamp>,
    }
}
