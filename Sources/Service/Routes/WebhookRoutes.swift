import Foundation
import HTTPTypes
import Hummingbird
import Pipeline
import Providers

extension APIServer {
    /// Outbound webhook subscriptions. The signing secret is answered only by the creation and
    /// the rotation; every other answer leaves it out.
    var webhookRoutes: [APIRoute] {
        [
            APIRoute(.post, "/v1/webhooks", .write) { request, context in
                let object = try await jsonObject(request, known: ["url", "events", "description"])
                guard let url = object["url"] as? String else { throw Problem.invalid("url: required, a string") }
                let events = try Self.eventTypes(object["events"], required: true) ?? []
                let description = try Self.description(object["description"]) ?? nil
                try await checkURL(url)
                let webhook = try await store.createWebhook(NewWebhook(
                    tenant: try context.caller.tenant, url: url, events: events, description: description,
                    secret: WebhookSignature.newSecret()))
                var view = Views.webhook(webhook)
                view["secret"] = webhook.secret
                return try JSONResponse.make(view, status: .created, headers: [.location: "/v1/webhooks/\(webhook.id)"])
            },
            APIRoute(.get, "/v1/webhooks", .read) { _, context in
                let webhooks = try await store.webhooks(tenant: try context.caller.tenant)
                return try JSONResponse.make(["webhooks": webhooks.map(Views.webhook)])
            },
            APIRoute(.get, "/v1/webhooks/{id}", .read) { _, context in
                try JSONResponse.make(Views.webhook(try await ownedWebhook(context)))
            },
            APIRoute(.patch, "/v1/webhooks/{id}", .write) { request, context in
                let current = try await ownedWebhook(context)
                let object = try await jsonObject(request, known: ["url", "events", "description", "disabled"])
                var update = WebhookUpdate()
                if let value = object["url"] {
                    guard let url = value as? String else { throw Problem.invalid("url: must be a string") }
                    try await checkURL(url)
                    update.url = url
                }
                update.events = try Self.eventTypes(object["events"], required: false)
                update.description = try Self.description(object["description"])
                if let value = object["disabled"] {
                    guard let flag = Self.boolean(value) else {
                        throw Problem.invalid("disabled: must be true or false")
                    }
                    update.disabled = flag
                }
                guard let webhook = try await store.updateWebhook(current.id, tenant: current.tenant, update) else {
                    throw Problem.notFound("webhook \(current.id)")
                }
                return try JSONResponse.make(Views.webhook(webhook))
            },
            APIRoute(.delete, "/v1/webhooks/{id}", .write) { _, context in
                let webhook = try await ownedWebhook(context)
                guard try await store.deleteWebhook(webhook.id, tenant: webhook.tenant) else { throw Problem.notFound("webhook \(webhook.id)") }
                return JSONResponse.noContent()
            },
            APIRoute(.post, "/v1/webhooks/{id}/rotate-secret", .write) { request, context in
                let current = try await ownedWebhook(context)
                let object = try await jsonObject(request, known: ["grace_seconds"])
                var grace = Double(configuration.webhookSecretGrace.components.seconds)
                if let value = object["grace_seconds"] {
                    guard let number = value as? NSNumber, case let seconds = number.doubleValue, (0...604_800).contains(seconds) else {
                        throw Problem.invalid("grace_seconds: must be a number from 0 to 604800 (7 days)")
                    }
                    grace = seconds
                }
                guard let webhook = try await store.rotateWebhookSecret(
                    current.id, tenant: current.tenant, secret: WebhookSignature.newSecret(), graceUntil: Date().addingTimeInterval(grace))
                else { throw Problem.notFound("webhook \(current.id)") }
                var view = Views.webhook(webhook)
                view["secret"] = webhook.secret
                return try JSONResponse.make(view)
            },
            APIRoute(.get, "/v1/webhooks/{id}/deliveries", .read) { request, context in
                let webhook = try await ownedWebhook(context)
                let limit = try limitParameter(request, default: 50, max: 500)
                var cursor: Int64?
                if let text = request.uri.queryParameters.get("cursor") {
                    guard let id = Int64(text) else { throw Problem.badRequest("cursor must be a delivery id") }
                    cursor = id
                }
                let deliveries = try await store.deliveries(webhook: webhook.id, tenant: webhook.tenant, before: cursor, limit: limit)
                let next: Any = deliveries.count == limit ? String(deliveries.last!.id) : NSNull()
                return try JSONResponse.make(["deliveries": deliveries.map(Views.delivery), "next_cursor": next])
            },
        ]
    }

    private func ownedWebhook(_ context: APIContext) async throws -> Webhook {
        let id = context.parameters.get("id") ?? ""
        guard let webhook = try await store.webhook(id, tenant: try context.caller.tenant) else {
            throw Problem.notFound("webhook \(id)")
        }
        return webhook
    }

    /// The body as a JSON object with only `known` fields (an empty body is `{}`).
    private func jsonObject(_ request: Request, known: Set<String>) async throws -> [String: Any] {
        let data = try await requestBody(request, limit: 64 * 1024)
        let object = data.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard let object else { throw Problem.badRequest("the body must be a JSON object") }
        if let unknown = Set(object.keys).subtracting(known).sorted().first {
            throw Problem.invalid("\(unknown): unknown field (known: \(known.sorted().joined(separator: ", ")))")
        }
        return object
    }

    /// Refuses URLs that are not http(s), carry user-info or reach non-public addresses (422).
    private func checkURL(_ url: String) async throws {
        guard url.utf8.count <= 2048 else { throw Problem.invalid("url: at most 2048 bytes") }
        do {
            _ = try await configuration.outboundPolicy.check(url)
        } catch {
            throw Problem(.unprocessableContent, "url_not_allowed", error.description)
        }
    }

    private static func eventTypes(_ value: Any?, required: Bool) throws -> [String]? {
        guard let value else {
            if required { throw Problem.invalid("events: required, a list of event types") }
            return nil
        }
        guard let list = value as? [Any], !list.isEmpty, list.count <= 32, case let types = list.compactMap({ $0 as? String }),
              types.count == list.count
        else { throw Problem.invalid("events: must be a list of 1 to 32 event types") }
        if let unknown = types.first(where: { !WebhookEventTypes.isValid($0) }) {
            throw Problem.invalid("events: unknown event type \(unknown) (known: \((WebhookEventTypes.patterns + WebhookEventTypes.known).joined(separator: ", ")))")
        }
        var seen = Set<String>()
        return types.filter { seen.insert($0).inserted }
    }

    /// `true` or `false` exactly (JSONSerialization gives NSNumber for both numbers and booleans).
    private static func boolean(_ value: Any) -> Bool? {
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" || "\(type(of: number))".contains("Bool")
        else { return nil }
        return number.boolValue
    }

    /// nil: not given; `.some(nil)`: cleared with null.
    private static func description(_ value: Any?) throws -> String?? {
        guard let value else { return nil }
        if value is NSNull { return .some(nil) }
        guard let text = value as? String, text.count <= 500 else { throw Problem.invalid("description: a string of at most 500 characters") }
        return .some(text)
    }
}

extension Views {
    /// A subscription without its secrets.
    static func webhook(_ webhook: Webhook) -> [String: Any] {
        let base = "/v1/webhooks/\(webhook.id)"
        return [
            "id": webhook.id, "url": webhook.url, "events": webhook.events, "description": webhook.description ?? NSNull(),
            "disabled": webhook.disabled, "created_at": time(webhook.createdAt), "updated_at": time(webhook.updatedAt),
            "previous_secret_expires_at": time(webhook.previousSecretExpiresAt.flatMap { $0 > Date() ? $0 : nil }),
            "links": ["self": base, "deliveries": base + "/deliveries", "rotate_secret": base + "/rotate-secret"],
        ]
    }

    static func delivery(_ delivery: WebhookDelivery) -> [String: Any] {
        let a = delivery.attempt
        return [
            "id": delivery.id, "webhook_id": a.webhookID, "job_id": id(a.jobID), "event_id": a.eventID, "message_id": a.messageID,
            "attempt": a.attempt, "status_code": a.statusCode ?? NSNull(), "latency_ms": a.latencyMilliseconds ?? NSNull(),
            "error": a.error ?? NSNull(), "at": time(delivery.at), "succeeded": a.statusCode.map { (200..<300).contains($0) } ?? false,
            "links": ["job": "/v1/jobs/\(id(a.jobID))"],
        ]
    }
}
