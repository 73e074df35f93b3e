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
        ]
    }
}
