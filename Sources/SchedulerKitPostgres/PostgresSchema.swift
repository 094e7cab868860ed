import Foundation
import Logging
import PostgresNIO
import SchedulerKit

/// The schema, by named migrations kept in `schedulerkit_migrations` (Docs/Schema.md).
///
/// Instants are `BIGINT` milliseconds since 1970 (UTC), as in the SQLite store, so both stores
/// keep and compare the same values. Never edit a released migration: append the next.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1",
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                -- byte order, as SQLite sorts: the database's collation never changes a listing
                name TEXT COLLATE "C" NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('cron', 'every', 'at')),
                cron_expression TEXT,
                time_zone TEXT,
                interval_seconds BIGINT,
                anchor_at BIGINT,
                at_time BIGINT,
                payload TEXT NOT NULL DEFAULT '{}',
                timeout_ms BIGINT,
                max_consecutive_errors BIGINT NOT NULL DEFAULT 10,
                consecutive_errors BIGINT NOT NULL DEFAULT 0,
                status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'failed', 'completed')),
                next_run_at BIGINT,
                last_run_at BIGINT,
                last_run_status TEXT,
                overlap TEXT NOT NULL DEFAULT 'skip',
                misfire TEXT NOT NULL DEFAULT 'runOnce',
                jitter_ms BIGINT,
                retry TEXT,
                delete_after_run BOOLEAN NOT NULL DEFAULT FALSE,
                state_webhook_url TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                state_webhook_secret TEXT
            );
            CREATE INDEX jobs_next_run ON jobs (next_run_at) WHERE next_run_at IS NOT NULL;
            CREATE INDEX jobs_status ON jobs (status);

            CREATE TABLE runs (
                id TEXT COLLATE "C" PRIMARY KEY,
                job_id TEXT NOT NULL,
                job_name TEXT NOT NULL,
                trigger TEXT NOT NULL,
                scheduled_for BIGINT NOT NULL,
                attempt BIGINT NOT NULL DEFAULT 1,
                status TEXT NOT NULL,
                queued_at BIGINT NOT NULL,
                not_before BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT,
                heartbeat_at BIGINT,
                lease_owner TEXT,
                lease_expires_at BIGINT,
                exit_code BIGINT,
                error_type TEXT,
                error_code TEXT,
                error_category TEXT,
                error_message TEXT,
                output TEXT,
                cancel_requested BOOLEAN NOT NULL DEFAULT FALSE
            );
            -- one run per job, slot and attempt: a slot can never run twice, whichever node claims it
            CREATE UNIQUE INDEX runs_slot ON runs (job_id, scheduled_for, attempt) WHERE trigger <> 'manual';
            CREATE INDEX runs_job ON runs (job_id, id);
            CREATE INDEX runs_open_by_job ON runs (job_id) WHERE status IN ('queued', 'running');
            CREATE INDEX runs_queued ON runs (not_before, id) WHERE status = 'queued';
            CREATE INDEX runs_running ON runs (lease_expires_at) WHERE status = 'running';
            CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

            CREATE TABLE run_alerts (
                id TEXT PRIMARY KEY,
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                alert_type TEXT NOT NULL CHECK (alert_type IN ('webhook', 'email')),
                target TEXT NOT NULL,
                on_failure BOOLEAN NOT NULL DEFAULT TRUE,
                on_timeout BOOLEAN NOT NULL DEFAULT TRUE,
                on_system_error BOOLEAN NOT NULL DEFAULT TRUE,
                secret TEXT,
                created_at BIGINT NOT NULL
            );
            CREATE INDEX run_alerts_job ON run_alerts (job_id);

            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                job_id TEXT,
                job_name TEXT,
                details TEXT NOT NULL DEFAULT '{}'
            );
            CREATE INDEX audit_log_job ON audit_log (job_id, id);
            CREATE INDEX audit_log_at ON audit_log (at);

            CREATE TABLE deliveries (
                id TEXT COLLATE "C" PRIMARY KEY,
                run_id TEXT,
                job_id TEXT,
                job_name TEXT,
                alert_id TEXT,
                channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
                event TEXT NOT NULL,
                target TEXT NOT NULL,
                secret TEXT,
                payload TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending',
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at BIGINT,
                last_error TEXT,
                last_status_code BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                delivered_at BIGINT,
                sequence BIGINT NOT NULL DEFAULT 0,
                lease_owner TEXT
            );
            CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
            CREATE INDEX deliveries_status ON deliveries (status, id);
            CREATE INDEX deliveries_run ON deliveries (run_id, sequence);

            CREATE TABLE scheduler_instances (
                id TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                pid BIGINT NOT NULL,
                version TEXT NOT NULL,
                started_at BIGINT NOT NULL,
                last_tick_at BIGINT NOT NULL,
                tick_interval_ms BIGINT NOT NULL DEFAULT 10000
            );

            -- every artifact in the database (SPEC §10: no files beside it)
            CREATE TABLE run_artifacts (
                id TEXT PRIMARY KEY,
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                job_id TEXT NOT NULL,
                name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                data BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (run_id, name)
            );

            CREATE TABLE api_tokens (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
                token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT
            );

            -- bumped by every operator write; schedulers poll it (JobStore.externalChangeToken)
            CREATE SEQUENCE schedulerkit_changes;
            """
        )
    ]

    /// A fixed key for the migration's advisory lock ("SchedKit" in ASCII).
    static let lockKey: Int64 = 0x5363_6865_644B_6974

    /// Checks the database and migrates it when needed, all under the advisory lock, in one
    /// transaction: of several nodes starting on an empty database, one creates the schema and
    /// the others find it done.
    static func prepare(_ connection: PostgresConnection, url: PostgresURL, readOnly: Bool, logger: Logger) async throws {
        let tx = Tx(connection: connection, logger: logger)
        if readOnly {
            let found = try await state(tx)
            try refuseUnusable(found, url: url)
            if found.applied.count < migrations.count {
                throw SchedulerError(
                    .storage,
                    found.applied.isEmpty
                        ? "database \(url.redacted) has no SchedulerKit schema yet"
                        : "database \(url.redacted) has an older SchedulerKit schema",
                    hint: "start a scheduler or run any write command once to create it")
            }
            return
        }
        // Quick check without the lock: a current schema needs nothing.
        let quick = try await state(tx)
        try refuseUnusable(quick, url: url)
        if quick.applied.count == migrations.count { return }
        try await tx.execute("BEGIN")
        do {
            try await tx.execute("SELECT pg_advisory_xact_lock(?)", [.int(lockKey)])
            let found = try await state(tx)
            try refuseUnusable(found, url: url)
            if !found.hasTable {
                try await tx.execute(
                    "CREATE TABLE schedulerkit_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            }
            for migration in migrations where !found.applied.contains(migration.name) {
                // One statement at a time: the extended protocol takes one per query.
                for statement in statements(migration.sql) { try await tx.execute(statement) }
                try await tx.execute("INSERT INTO schedulerkit_migrations (name) VALUES (?)", [.text(migration.name)])
            }
            try await tx.execute("COMMIT")
        } catch {
            try? await tx.execute("ROLLBACK")
            throw error
        }
    }

    struct State {
        var hasTable: Bool
        var applied: Set<String>
        /// Tables in the current schema other than ours.
        var otherTables: Int
    }

    static func state(_ tx: Tx) async throws -> State {
        // Read from pg_tables like the count below, by the same snapshot: to_regclass can answer
        // from a cache that has not yet seen the table another node just committed.
        let hasTable = try await tx.one(
            Bool.self,
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schedulerkit_migrations')"
        ) ?? false
        var applied: Set<String> = []
        if hasTable {
            for row in try await tx.rows("SELECT name FROM schedulerkit_migrations") { applied.insert(try row.text(0)) }
        }
        let others = try await tx.one(
            Int64.self,
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schedulerkit_migrations'") ?? 0
        return State(hasTable: hasTable, applied: applied, otherTables: Int(others))
    }

    static func refuseUnusable(_ s: State, url: PostgresURL) throws(SchedulerError) {
        if !s.hasTable && s.otherTables > 0 {
            throw SchedulerError(
                .storage, "database \(url.redacted) is not a SchedulerKit database (it has \(s.otherTables) other tables)",
                hint: "use an empty database of its own; nothing was written")
        }
        let known = Set(migrations.map(\.name))
        let unknown = s.applied.subtracting(known)
        if !unknown.isEmpty {
            throw SchedulerError(
                .storage,
                "database \(url.redacted) was written by a newer SchedulerKit (migrations \(unknown.sorted().joined(separator: ", ")) are unknown to this build)",
                hint: "upgrade to a newer version; nothing was written")
        }
    }

    /// The statements of a migration, split at semicolons that end a line.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map {
            $0.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
        }.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";")) }
        .filter { !$0.isEmpty }
    }
}
