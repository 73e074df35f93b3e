import Foundation

extension SQLJobStore: WebhookStore {
    private static let webhookColumns = """
        id, tenant, url, events, description, secret, previous_secret, previous_secret_expires_at, disabled, created_at, updated_at
        """

    private static func webhook(_ r: Row) throws -> Webhook {
        let events = (try? JSON(unchecked: r.string(3)).decode([String].self)) ?? []
        return Webhook(
            id: try r.string(0), tenant: try r.string(1), url: try r.string(2), events: events, description: r[4],
            secret: try r.string(5), previousSecret: r[6], previousSecretExpiresAt: try r.date(7),
            disabled: !["0", "f", "false"].contains(try r.string(8)),
            createdAt: try r.date(9) ?? Date(timeIntervalSince1970: 0), updatedAt: try r.date(10) ?? Date(timeIntervalSince1970: 0))
    }

    /// Replaces the outbox rows of a subscription: one per event type while it is enabled.
    private static func subscribe(_ c: any SQLConnection, id: String, tenant: String, events: [String], enabled: Bool) throws {
        try c.query("DELETE FROM webhook_subscriptions WHERE webhook_id = $1", .text(id))
        guard enabled else { return }
        for type in Set(events) {
            try c.query("INSERT INTO webhook_subscriptions (tenant, event_type, webhook_id) VALUES ($1, $2, $3)",
                        .text(tenant), .text(type), .text(id))
        }
    }

    func createWebhook(_ new: NewWebhook) async throws -> Webhook {
        guard !new.tenant.isEmpty else { throw StoreError.invalidInput("the tenant must not be empty") }
        let id = "wh_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let events = try JSON(encoding: new.events).text
        return try await backend.transaction(write: true) { c in
            let rows = try c.query(
                """
                INSERT INTO webhooks (id, tenant, url, events, description, secret, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, {now}, {now}) RETURNING \(Self.webhookColumns)
                """,
                .text(String(id)), .text(new.tenant), .text(new.url), .text(events), .optional(new.description), .text(new.secret))
            guard let row = rows.first else { throw StoreError(.database, "create webhook", "no row returned") }
            try Self.subscribe(c, id: String(id), tenant: new.tenant, events: new.events, enabled: true)
            return try Self.webhook(row)
        }
    }

    func webhooks(tenant: String) async throws -> [Webhook] {
        try await backend.single("SELECT \(Self.webhookColumns) FROM webhooks WHERE tenant = $1 ORDER BY created_at, id",
                                 [.text(tenant)]).map { try Self.webhook($0) }
    }

    func webhook(_ id: String, tenant: String?) async throws -> Webhook? {
        let rows = if let tenant {
            try await backend.single("SELECT \(Self.webhookColumns) FROM webhooks WHERE id = $1 AND tenant = $2", [.text(id), .text(tenant)])
        } else {
            try await backend.single("SELECT \(Self.webhookColumns) FROM webhooks WHERE id = $1", [.text(id)])
        }
        return try rows.first.map { try Self.webhook($0) }
    }

    func updateWebhook(_ id: String, tenant: String, _ update: WebhookUpdate) async throws -> Webhook? {
        let events = try update.events.map { try JSON(encoding: $0).text }
        let description: SQLValue = update.description.map { .optional($0) } ?? .null
        return try await backend.transaction(write: true) { c in
            let rows = try c.query(
                """
                UPDATE webhooks SET url = COALESCE($3, url), events = COALESCE($4, events),
                  description = CASE WHEN $5 = 1 THEN $6 ELSE description END,
                  disabled = COALESCE($7, disabled), updated_at = {now}
                WHERE id = $1 AND tenant = $2 RETURNING \(Self.webhookColumns)
                """,
                .text(id), .text(tenant), .optional(update.url), .optional(events), .int(update.description == nil ? 0 : 1),
                description, update.disabled.map { .int($0 ? 1 : 0) } ?? .null)
            guard let row = rows.first else { return nil }
            let webhook = try Self.webhook(row)
            try Self.subscribe(c, id: id, tenant: tenant, events: webhook.events, enabled: !webhook.disabled)
            return webhook
        }
    }

    func deleteWebhook(_ id: String, tenant: String) async throws -> Bool {
        try await backend.transaction(write: true) { c in
            // Explicit, not only by cascade: SQLite connections could run without foreign keys.
            let rows = try c.query("SELECT id FROM webhooks WHERE id = $1 AND tenant = $2", .text(id), .text(tenant))
            guard !rows.isEmpty else { return false }
            try c.query("DELETE FROM webhook_subscriptions WHERE webhook_id = $1", .text(id))
            try c.query("DELETE FROM webhook_deliveries WHERE webhook_id = $1", .text(id))
            try c.query("DELETE FROM webhooks WHERE id = $1", .text(id))
            return true
        }
    }

    func rotateWebhookSecret(_ id: String, tenant: String, secret: String, graceUntil: Date) async throws -> Webhook? {
        try await backend.single(
            """
            UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3, updated_at = {now}
            WHERE id = $1 AND tenant = $2 RETURNING \(Self.webhookColumns)
            """,
            [.text(id), .text(tenant), .text(secret), .int(graceUntil.unixMilliseconds)]
        ).first.map { try Self.webhook($0) }
    }

    func recordDelivery(_ a: WebhookDeliveryAttempt) async throws {
        try await backend.transaction(write: true) { c in
            // A subscription deleted while its delivery ran keeps no history.
            guard try !c.query("SELECT 1 FROM webhooks WHERE id = $1", .text(a.webhookID)).isEmpty else { return }
            try c.query(
                """
                INSERT INTO webhook_deliveries (webhook_id, job_id, event_id, message_id, attempt, status_code, latency_ms, error, at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {now})
                """,
                .text(a.webhookID), .uuid(a.jobID), .int(a.eventID), .text(a.messageID), .int(a.attempt),
                a.statusCode.map { .int($0) } ?? .null, a.latencyMilliseconds.map { .int($0) } ?? .null, .optional(a.error))
        }
    }

    func deliveries(webhook: String, tenant: String, before: Int64?, limit: Int) async throws -> [WebhookDelivery] {
        try await backend.single(
            """
            SELECT d.id, d.webhook_id, d.job_id, d.event_id, d.message_id, d.attempt, d.status_code, d.latency_ms, d.error, d.at
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.webhook_id = $1 AND w.tenant = $2 AND d.id < $3 ORDER BY d.id DESC LIMIT $4
            """,
            [.text(webhook), .text(tenant), .int(before ?? Int64.max), .int(max(1, limit))]
        ).map { r in
            WebhookDelivery(
                id: try r.int64(0),
                attempt: WebhookDeliveryAttempt(
                    webhookID: try r.string(1), jobID: try r.uuid(2), eventID: try r.int64(3), messageID: try r.string(4),
                    attempt: try r.int(5), statusCode: r[6].flatMap { Int($0) }, latencyMilliseconds: r[7].flatMap { Int64($0) },
                    error: r[8]),
                at: try r.date(9) ?? Date(timeIntervalSince1970: 0))
        }
    }

    func event(id: Int64) async throws -> Event? {
        try await backend.single("SELECT id, job_id, at, type, source, step, payload FROM events WHERE id = $1", [.int(id)])
            .first.map { r in
                Event(id: try r.int64(0), jobID: try r.uuid(1), at: try r.date(2) ?? Date(timeIntervalSince1970: 0),
                      type: try r.string(3), source: try r.string(4), step: r[5], payload: r[6])
            }
    }
}
