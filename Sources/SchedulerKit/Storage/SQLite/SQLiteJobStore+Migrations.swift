import Foundation
import GRDB

extension SQLiteJobStore {
    /// The schema version this build writes (`PRAGMA user_version`): the number of migrations.
    static var schemaVersion: Int32 { Int32(migrations.count) }

    /// The ordered, named migrations; the database's `user_version` counts those applied. Never
    /// edit a released one: append the next.
    static let migrations: [SchemaMigration] = [
        SchemaMigration("v1") { db in
            try db.execute(sql: """
                PRAGMA application_id = \(DatabaseFile.applicationID);
                PRAGMA user_version = 1;

                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('cron', 'every', 'at')),
                    cron_expression TEXT,
                    time_zone TEXT,
                    interval_seconds INTEGER,
                    anchor_at INTEGER,
                    at_time INTEGER,
                    payload TEXT NOT NULL DEFAULT '{}',
                    timeout_ms INTEGER,
                    max_consecutive_errors INTEGER NOT NULL DEFAULT 10,
                    consecutive_errors INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'failed', 'completed')),
                    next_run_at INTEGER,
                    last_run_at INTEGER,
                    last_run_status TEXT,
                    overlap TEXT NOT NULL DEFAULT 'skip',
                    misfire TEXT NOT NULL DEFAULT 'runOnce',
                    jitter_ms INTEGER,
                    retry TEXT,
                    delete_after_run INTEGER NOT NULL DEFAULT 0,
                    state_webhook_url TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                -- "next due job" is an index lookup
                CREATE INDEX jobs_next_run ON jobs (next_run_at) WHERE next_run_at IS NOT NULL;
                CREATE INDEX jobs_status ON jobs (status);

                -- Runs are history: they outlive their job (job_name is kept) until retention prunes them.
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL,
                    job_name TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    scheduled_for INTEGER NOT NULL,
                    attempt INTEGER NOT NULL DEFAULT 1,
                    status TEXT NOT NULL,
                    queued_at INTEGER NOT NULL,
                    not_before INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    heartbeat_at INTEGER,
                    lease_owner TEXT,
                    lease_expires_at INTEGER,
                    exit_code INTEGER,
                    error_type TEXT,
                    error_code TEXT,
                    error_category TEXT,
                    error_message TEXT,
                    output TEXT,
                    cancel_requested INTEGER NOT NULL DEFAULT 0
                );
                -- one run per job, slot and attempt: a slot can never run twice
                CREATE UNIQUE INDEX runs_slot ON runs (job_id, scheduled_for, attempt) WHERE trigger <> 'manual';
                -- "runs of a job, newest first"
                CREATE INDEX runs_job ON runs (job_id, id);
                CREATE INDEX runs_open_by_job ON runs (job_id) WHERE status IN ('queued', 'running');
                CREATE INDEX runs_queued ON runs (not_before) WHERE status = 'queued';
                CREATE INDEX runs_running ON runs (lease_expires_at) WHERE status = 'running';
                -- windows of health checks and reports ("runs that finished in the last hour")
                CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

                CREATE TABLE run_alerts (
                    id TEXT PRIMARY KEY NOT NULL,
                    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                    alert_type TEXT NOT NULL CHECK (alert_type IN ('webhook', 'email')),
                    target TEXT NOT NULL,
                    on_failure INTEGER NOT NULL DEFAULT 1,
                    on_timeout INTEGER NOT NULL DEFAULT 1,
                    on_system_error INTEGER NOT NULL DEFAULT 1,
                    secret TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX run_alerts_job ON run_alerts (job_id);

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    job_id TEXT,
                    job_name TEXT,
                    details TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX audit_log_job ON audit_log (job_id, id);
                CREATE INDEX audit_log_at ON audit_log (at);

                -- The notification outbox: written in the transaction that records the run's transition.
                CREATE TABLE deliveries (
                    id TEXT PRIMARY KEY NOT NULL,
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
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    last_error TEXT,
                    last_status_code INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    delivered_at INTEGER,
                    sequence INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT
                );
                CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
                CREATE INDEX deliveries_status ON deliveries (status, id);
                CREATE INDEX deliveries_run ON deliveries (run_id, sequence);

                -- Live schedulers: each running scheduler keeps its row's last_tick_at fresh and
                -- deletes it on clean shutdown.
                CREATE TABLE scheduler_instances (
                    id TEXT PRIMARY KEY NOT NULL,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    version TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    last_tick_at INTEGER NOT NULL,
                    -- how often it ticks, so a reader can tell a late tick from a slow cadence
                    tick_interval_ms INTEGER NOT NULL DEFAULT 10000
                );

                -- Named blobs attached to runs: small ones inline, larger ones in files beside
                -- the database (file_path relative to the database's directory).
                CREATE TABLE run_artifacts (
                    id TEXT PRIMARY KEY NOT NULL,
                    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                    job_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    data BLOB,
                    file_path TEXT,
                    created_at INTEGER NOT NULL,
                    UNIQUE (run_id, name)
                );
                """)
        },
        // A state webhook signs its requests like an alert when the job has a secret.
        SchemaMigration("state_webhook_secret") { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN state_webhook_secret TEXT")
        },
        // API tokens of the HTTP API (SPEC §9): SHA-256 hashes only, never the plaintext.
        SchemaMigration("api_tokens") { db in
            try db.execute(sql: """
                CREATE TABLE api_tokens (
                    name TEXT PRIMARY KEY NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
                    token_hash TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER
                );
                """)
        },
        // A lighter add (issue 13, decision 0033): every btree a transaction touches is one more
        // page written to the WAL. `audit_log` keeps its ids without AUTOINCREMENT (whose
        // `sqlite_sequence` row was a page of its own in every add), and `jobs_status` goes: a
        // status filter or count reads the jobs table, which a scheduler's jobs fit in.
        SchemaMigration("lean_add") { db in
            try db.execute(sql: """
                CREATE TABLE audit_log_lean (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    job_id TEXT,
                    job_name TEXT,
                    details TEXT NOT NULL DEFAULT '{}'
                );
                INSERT INTO audit_log_lean (id, at, actor, action, job_id, job_name, details)
                    SELECT id, at, actor, action, job_id, job_name, details FROM audit_log;
                DROP TABLE audit_log;
                ALTER TABLE audit_log_lean RENAME TO audit_log;
                CREATE INDEX audit_log_job ON audit_log (job_id, id);
                CREATE INDEX audit_log_at ON audit_log (at);
                DELETE FROM sqlite_sequence WHERE name = 'audit_log';
                DROP INDEX jobs_status;
                """)
        },
    ]

    /// Brings the schema up to date inside one `BEGIN IMMEDIATE` transaction, so that of several
    /// processes opening a new file at the same moment one migrates and the others, waiting for
    /// the lock (up to the busy timeout), find the work done.
    ///
    /// - throws: `.storage` for a foreign or newer database (nothing is written).
    static func migrate(_ db: Database, path: String) throws {
        try db.inTransaction(.immediate) {
            let found = try SchemaState.read(db)
            try found.refuseUnusable(path: path, knownVersion: schemaVersion)
            guard found.version < schemaVersion else { return .commit }
            if found.applicationID == 0 {
                try db.execute(sql: "PRAGMA application_id = \(DatabaseFile.applicationID)")
            }
            // The names are also kept where GRDB's migrator keeps them, so an earlier build
            // (which used it) opening this file finds its migrations applied.
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            // Builds that used GRDB's migrator left user_version at 1 after later migrations:
            // one already named in grdb_migrations is not applied twice.
            let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
            for (index, migration) in migrations.enumerated() where index >= found.version {
                if !applied.contains(migration.identifier) { try migration.apply(db) }
                try db.execute(sql: "INSERT OR IGNORE INTO grdb_migrations (identifier) VALUES (?)", arguments: [migration.identifier])
                try db.execute(sql: "PRAGMA user_version = \(index + 1)")
            }
            return .commit
        }
    }
}

/// One named step of the schema, applied inside the migration's transaction.
struct SchemaMigration: Sendable {
    let identifier: String
    let apply: @Sendable (Database) throws -> Void

    init(_ identifier: String, apply: @escaping @Sendable (Database) throws -> Void) {
        self.identifier = identifier
        self.apply = apply
    }
}

/// What a database says about itself: whose it is, its schema version, whether it has tables.
struct SchemaState: Sendable {
    var applicationID: Int32
    var version: Int32
    /// Tables and indexes other than SQLite's and the migration bookkeeping.
    var objects: Int

    static func read(_ db: Database) throws -> SchemaState {
        SchemaState(
            applicationID: try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
            version: try Int32.fetchOne(db, sql: "PRAGMA user_version") ?? 0,
            objects: try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'") ?? 0)
    }

    /// A SchedulerKit database at `version`, nothing to do.
    func isCurrent(_ version: Int32) -> Bool { applicationID == DatabaseFile.applicationID && self.version == version }

    /// Refuses another application's database and one written by a newer build.
    func refuseUnusable(path: String, knownVersion: Int32) throws(SchedulerError) {
        if applicationID != DatabaseFile.applicationID && (applicationID != 0 || objects > 0) {
            throw SchedulerError(
                .storage, "\(path) is not a SchedulerKit database (it is another application's SQLite file)",
                remedy: .otherPath)
        }
        if version > knownVersion {
            throw SchedulerError(
                .storage,
                "\(path) was written by a newer SchedulerKit (schema \(version); this build knows up to \(knownVersion))",
                remedy: .upgradeProgram)
        }
    }
}
