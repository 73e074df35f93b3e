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
            (6, webhooks(dialect, uuid: uuid)),
            (7, triggers(dialect, uuid: uuid)),
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
            // Provider callbacks (issue 12, Rev.ai's notification_config): the SHA-256 of the
            // random token in the notification URL (never the token), the job and step that wait
            // for it, and what the provider reported when it called (recorded once). Closed when
            // the step no longer waits (finished by the callback or by polling): later calls 404.
            (9, [
                """
                CREATE TABLE provider_callbacks (
                  token_hash TEXT PRIMARY KEY,
                  job_id \(uuid) NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                  provider TEXT NOT NULL,
                  step TEXT NOT NULL,
                  provider_job_id TEXT,
                  status TEXT,
                  created_at BIGINT NOT NULL,
                  arrived_at BIGINT,
                  closed_at BIGINT
                )
                """,
                "CREATE INDEX provider_callbacks_job ON provider_callbacks (job_id)",
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

    /// Inbound triggers: cron schedules (a fire time's job carries the unique key
    /// `schedule:<id>:<ms>`, so it is enqueued once whoever fires it), named inbound webhooks
    /// (their names are unique across tenants: the name is the URL), and the job started from
    /// an upload session (`POST /v1/tasks/process-pending` enqueues sessions without one).
    private static func triggers(_ dialect: Dialect, uuid: String) -> [String] {
        let json = dialect == .postgres ? "JSONB" : "TEXT"
        return [
            """
            CREATE TABLE schedules (
              id \(uuid) PRIMARY KEY,
              tenant TEXT NOT NULL,
              cron TEXT NOT NULL,
              timezone TEXT NOT NULL,
              workflow TEXT NOT NULL,
              input \(json) NOT NULL,
              options \(json) NOT NULL,
              job_input \(json) NOT NULL,
              catch_up TEXT NOT NULL DEFAULT 'last',
              paused INTEGER NOT NULL DEFAULT 0,
              next_fire_at BIGINT,
              last_fired_at BIGINT,
              created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX schedules_tenant ON schedules (tenant, created_at)",
            "CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE paused = 0",
            """
            CREATE TABLE hooks (
              id \(uuid) PRIMARY KEY,
              tenant TEXT NOT NULL,
              name TEXT NOT NULL UNIQUE,
              secret TEXT NOT NULL,
              workflow TEXT NOT NULL,
              mapping \(json) NOT NULL,
              options \(json) NOT NULL,
              created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX hooks_tenant ON hooks (tenant, name)",
            "ALTER TABLE upload_sessions ADD COLUMN job_id \(uuid)",
        ]
    }

    /// Outbound webhooks: subscriptions (with the current and the previous signing secret),
    /// the event types each one takes (one row per type, the outbox trigger's index), every
    /// delivery attempt, and the outbox itself: a trigger on `events` that enqueues, in the
    /// transaction that wrote the event, one `webhook` job per matching subscription of the
    /// job's tenant (unique key `webhook:<subscription>:<event>`, so nothing is enqueued twice).
    /// Events of `webhook` jobs never match (no delivery about a delivery). A store without
    /// subscriptions pays one `EXISTS` on an empty table per statement (PostgreSQL) or per row
    /// (SQLite).
    private static func webhooks(_ dialect: Dialect, uuid: String) -> [String] {
        let serial = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        let json = dialect == .postgres ? "JSONB" : "TEXT"
        var statements = [
            """
            CREATE TABLE webhooks (
              id TEXT PRIMARY KEY,
              tenant TEXT NOT NULL,
              url TEXT NOT NULL,
              events \(json) NOT NULL,
              description TEXT,
              secret TEXT NOT NULL,
              previous_secret TEXT,
              previous_secret_expires_at BIGINT,
              disabled INTEGER NOT NULL DEFAULT 0,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhooks_tenant ON webhooks (tenant, created_at)",
            """
            CREATE TABLE webhook_subscriptions (
              tenant TEXT NOT NULL,
              event_type TEXT NOT NULL,
              webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
              PRIMARY KEY (tenant, event_type, webhook_id)
            )
            """,
            "CREATE INDEX webhook_subscriptions_webhook ON webhook_subscriptions (webhook_id)",
            """
            CREATE TABLE webhook_deliveries (
              id \(serial),
              webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
              job_id \(uuid) NOT NULL,
              event_id BIGINT NOT NULL,
              message_id TEXT NOT NULL,
              attempt INTEGER NOT NULL,
              status_code INTEGER,
              latency_ms BIGINT,
              error TEXT,
              at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)",
        ]
        switch dialect {
        case .postgres:
            statements += [
                """
                CREATE FUNCTION runner_webhook_outbox() RETURNS trigger LANGUAGE plpgsql AS $outbox$
                BEGIN
                  -- Depth > 1: the job.enqueued events this function writes itself (a statement
                  -- trigger fires even for an INSERT of no rows, so without this it would recurse).
                  IF pg_trigger_depth() > 1 OR NOT EXISTS (SELECT 1 FROM webhook_subscriptions) THEN RETURN NULL; END IF;
                  WITH matched AS (
                    SELECT DISTINCT s.webhook_id, e.id AS event_id, e.at, j.tenant
                    FROM new_events e
                    JOIN jobs j ON j.id = e.job_id AND j.workflow <> 'webhook'
                    JOIN webhook_subscriptions s ON s.tenant = j.tenant
                      AND s.event_type IN (e.type, split_part(e.type, '.', 1) || '.*', '*')
                  ), inserted AS (
                    INSERT INTO jobs (id, queue, workflow, status, priority, max_attempts, run_at, unique_key, input,
                      created_at, updated_at, tenant, triggered_by)
                    SELECT gen_random_uuid(), 'default', 'webhook', 'queued', 0, 8, m.at,
                      'webhook:' || m.webhook_id || ':' || m.event_id,
                      jsonb_build_object('webhook_id', m.webhook_id, 'event_id', m.event_id), m.at, m.at, m.tenant,
                      'event:' || m.event_id
                    FROM matched m
                    ON CONFLICT (unique_key) DO NOTHING
                    RETURNING id, run_at, triggered_by
                  )
                  INSERT INTO events (job_id, at, type, source, payload)
                  SELECT id, run_at, 'job.enqueued', 'outbox', jsonb_build_object('workflow', 'webhook', 'queue', 'default',
                    'priority', 0, 'run_at', NULL, 'trigger', triggered_by)
                  FROM inserted;
                  IF FOUND THEN PERFORM pg_notify('runner_jobs', 'default'); END IF;
                  RETURN NULL;
                END
                $outbox$
                """,
                """
                CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
                REFERENCING NEW TABLE AS new_events
                FOR EACH STATEMENT EXECUTE FUNCTION runner_webhook_outbox()
                """,
            ]
        case .sqlite:
            // Per row (SQLite has no statement triggers). Its own INSERT into events does not
            // fire it again (recursive triggers are off), and delivery jobs never match anyway.
            // A version-4 UUID in the lower-case text form the store writes.
            let newID = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' "
                + "|| substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
            statements += [
                """
                CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
                WHEN EXISTS (SELECT 1 FROM webhook_subscriptions)
                BEGIN
                  INSERT OR IGNORE INTO jobs (id, queue, workflow, status, priority, max_attempts, run_at, unique_key, input,
                    created_at, updated_at, tenant, triggered_by)
                  SELECT \(newID), 'default', 'webhook', 'queued', 0, 8, NEW.at,
                    'webhook:' || s.webhook_id || ':' || NEW.id,
                    json_object('webhook_id', s.webhook_id, 'event_id', NEW.id), NEW.at, NEW.at, j.tenant, 'event:' || NEW.id
                  FROM jobs j JOIN webhook_subscriptions s ON s.tenant = j.tenant
                    AND s.event_type IN (NEW.type, substr(NEW.type, 1, instr(NEW.type, '.')) || '*', '*')
                  WHERE j.id = NEW.job_id AND j.workflow <> 'webhook';
                  INSERT INTO events (job_id, at, type, source, payload)
                  SELECT d.id, NEW.at, 'job.enqueued', 'outbox', json_object('workflow', 'webhook', 'queue', 'default',
                    'priority', 0, 'run_at', NULL, 'trigger', d.triggered_by)
                  FROM jobs j JOIN webhook_subscriptions s ON s.tenant = j.tenant
                    AND s.event_type IN (NEW.type, substr(NEW.type, 1, instr(NEW.type, '.')) || '*', '*')
                  JOIN jobs d ON d.unique_key = 'webhook:' || s.webhook_id || ':' || NEW.id
                  WHERE j.id = NEW.job_id AND j.workflow <> 'webhook'
                    AND NOT EXISTS (SELECT 1 FROM events x WHERE x.job_id = d.id AND x.type = 'job.enqueued')
                  GROUP BY d.id;
                END
                """,
            ]
        }
        return statements
    }
}
