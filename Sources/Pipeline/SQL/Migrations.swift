/// The schema, as numbered migrations. Each runs once, in order, in one transaction holding a
/// cross-process lock, and is recorded in `schema_migrations`. Times are Unix milliseconds
/// (`BIGINT`) in both databases, so the queries are shared.
enum Migrations {
    static func all(for dialect: Dialect) -> [(version: Int, statements: [String])] {
        let uuid = dialect == .postgres ? "UUID" : "TEXT"
        let json = dialect == .postgres ? "JSONB" : "TEXT"
        let serial = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        return [
            (1, [
                """
                CREATE TABLE jobs (
                  id \(uuid) PRIMARY KEY,
                  queue TEXT NOT NULL,
                  workflow TEXT NOT NULL,
                  status TEXT NOT NULL,
                  priority INTEGER NOT NULL DEFAULT 0,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  max_attempts INTEGER NOT NULL DEFAULT 3,
                  run_at BIGINT NOT NULL,
                  unique_key TEXT UNIQUE,
                  input \(json) NOT NULL,
                  output \(json),
                  error \(json),
                  locked_by TEXT,
                  lock_token BIGINT NOT NULL DEFAULT 0,
                  heartbeat_at BIGINT,
                  steps_done INTEGER NOT NULL DEFAULT 0,
                  steps_total INTEGER NOT NULL DEFAULT 0,
                  progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL,
                  finished_at BIGINT
                )
                """,
                "CREATE INDEX jobs_claimable ON jobs (queue, priority DESC, run_at) WHERE status IN ('queued', 'retrying')",
                "CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE status = 'running'",
                "CREATE INDEX jobs_status ON jobs (status, created_at)",
                """
                CREATE TABLE steps (
                  job_id \(uuid) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  idx INTEGER NOT NULL,
                  status TEXT NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  output \(json),
                  error \(json),
                  started_at BIGINT,
                  finished_at BIGINT,
                  PRIMARY KEY (job_id, name)
                )
                """,
                """
                CREATE TABLE events (
                  id \(serial),
                  job_id \(uuid) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                  at BIGINT NOT NULL,
                  type TEXT NOT NULL,
                  source TEXT NOT NULL,
                  step TEXT,
                  payload \(json)
                )
                """,
                "CREATE INDEX events_job ON events (job_id, id)",
                """
                CREATE TABLE assets (
                  job_id \(uuid) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                  step TEXT NOT NULL,
                  kind TEXT NOT NULL,
                  uri TEXT NOT NULL,
                  bytes BIGINT NOT NULL,
                  sha256 TEXT NOT NULL,
                  content_type TEXT NOT NULL,
                  meta \(json) NOT NULL,
                  created_at BIGINT NOT NULL,
                  PRIMARY KEY (job_id, uri)
                )
                """,
                """
                CREATE TABLE uploads (
                  uri TEXT PRIMARY KEY,
                  job_id \(uuid),
                  upload_id TEXT NOT NULL,
                  part_size BIGINT NOT NULL,
                  parts \(json) NOT NULL,
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL
                )
                """,
            ]),
            // Every index costs a write on each status change; listing by status is served by the
            // partial indexes (claimable, running) and this one for the dead letters.
            (2, [
                "DROP INDEX IF EXISTS jobs_status",
                "CREATE INDEX jobs_finished_badly ON jobs (created_at) WHERE status IN ('dead', 'cancelled')",
            ]),
            (3, service(dialect, uuid: uuid)),
            // The claim's full order (priority DESC, run_at, created_at) per queue: the claim reads
            // one index range per queue and stops after `limit` rows, whatever the backlog (the old
            // index lacked `created_at`, so every queued row was read and sorted: ~30 ms at 20,000
            // queued, ~700 ms at 200,000). Partial, so finished jobs are never read by a claim.
            (4, [
                """
                CREATE INDEX jobs_claim_order ON jobs (queue, priority DESC, run_at, created_at)
                WHERE status IN ('queued', 'retrying')
                """,
                "DROP INDEX IF EXISTS jobs_claimable",
            ] + (dialect == .postgres ? [
                // Every event row paid a foreign-key check (a `FOR KEY SHARE` lookup of its job:
                // ~18 µs per row in EXPLAIN ANALYZE of the claim here; without it the claim and the
                // completion touch 17-19 % fewer buffers). Events are written only by the store, in
                // the transaction that changes their job, and deleted with it by `prune`; SQLite
                // keeps its constraint (its checks are in-process and cheap).
                "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_job_id_fkey",
            ] : [])),
            // Fleet-wide provider limits: one row per slot in use, taken back once `expires_at`
            // passes (a worker renews its leases while it runs). Uploads remember the source
            // they began with, so a changed file starts over instead of resuming.
            (5, [
                """
                CREATE TABLE provider_leases (
                  provider TEXT NOT NULL,
                  slot INTEGER NOT NULL,
                  holder TEXT NOT NULL,
                  expires_at BIGINT NOT NULL,
                  PRIMARY KEY (provider, slot)
                )
                """,
                "CREATE INDEX provider_leases_holder ON provider_leases (holder)",
                "ALTER TABLE uploads ADD COLUMN size BIGINT",
                "ALTER TABLE uploads ADD COLUMN sha256 TEXT",
            ]),
            // The dashboard's sign-in sessions (issue 16): the SHA-256 of the random id the
            // browser's cookie holds (never the API key), its tenant and key (NULL under
            // --no-auth), its CSRF token, and when it ends. In the database so that several
            // servers behind one address share sign-ins.
            (8, [
                """
                CREATE TABLE dashboard_sessions (
                  id_hash TEXT PRIMARY KEY,
                  tenant TEXT NOT NULL,
                  key_id TEXT,
                  csrf TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at)",
            ]),
        ].sorted { $0.version < $1.version }
    }

    /// The HTTP service: tenants on jobs (with metadata, what triggered them and the hash of the
    /// request that created them, for `Idempotency-Key`), API keys, upload sessions, and on
    /// PostgreSQL a notification per transaction that writes events (live event streams).
    private static func service(_ dialect: Dialect, uuid: String) -> [String] {
        let json = dialect == .postgres ? "JSONB" : "TEXT"
        var statements = [
            "ALTER TABLE jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default'",
            "ALTER TABLE jobs ADD COLUMN metadata \(json)",
            "ALTER TABLE jobs ADD COLUMN triggered_by TEXT NOT NULL DEFAULT 'cli'",
            "ALTER TABLE jobs ADD COLUMN request_hash TEXT",
            "CREATE INDEX jobs_tenant_created ON jobs (tenant, created_at, id)",
            """
            CREATE TABLE api_keys (
              id TEXT PRIMARY KEY,
              key_hash TEXT NOT NULL UNIQUE,
              tenant TEXT NOT NULL,
              read_only INTEGER NOT NULL DEFAULT 0,
              name TEXT,
              created_at BIGINT NOT NULL,
              revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE upload_sessions (
              id \(uuid) PRIMARY KEY,
              tenant TEXT NOT NULL,
              expected_files INTEGER,
              expected_bytes BIGINT,
              created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE upload_files (
              session_id \(uuid) NOT NULL REFERENCES upload_sessions(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              object_key TEXT NOT NULL,
              bytes BIGINT NOT NULL,
              sha256 TEXT NOT NULL,
              content_type TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              PRIMARY KEY (session_id, name)
            )
            """,
        ]
        if dialect == .postgres {
            // One notification per transaction that wrote events (NOTIFY folds duplicates), so
            // event streams wake at commit without polling.
            statements += [
                """
                CREATE FUNCTION runner_events_notify() RETURNS trigger LANGUAGE plpgsql AS
                'BEGIN PERFORM pg_notify(''runner_events'', ''''); RETURN NULL; END'
                """,
                """
                CREATE TRIGGER events_notify AFTER INSERT ON events
                FOR EACH STATEMENT EXECUTE FUNCTION runner_events_notify()
                """,
            ]
        }
        return statements
    }
}
