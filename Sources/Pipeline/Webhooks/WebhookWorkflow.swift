import Foundation
import Providers

/// How deliveries are made: which hosts may be reached, the request timeout, and the scale of
/// the retry schedule (tests shrink it).
package struct WebhookSettings: Sendable {
    package var policy: OutboundURLPolicy
    package var timeout: Duration = .seconds(10)
    /// Multiplies every delay of the retry schedule (1: about a day in all).
    package var retryScale: Double = 1

    package init(policy: OutboundURLPolicy = OutboundURLPolicy(), retryScale: Double = 1) {
        self.policy = policy
        self.retryScale = retryScale
    }

    /// `WEBHOOK_ALLOW_HOSTS` (hosts exempt from the address checks) and `WEBHOOK_RETRY_SCALE`.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> WebhookSettings {
        let scale = environment["WEBHOOK_RETRY_SCALE"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 1
        return WebhookSettings(policy: .fromEnvironment(environment), retryScale: scale)
    }
}

/// `webhook`: delivers one event to one subscription (input `{"webhook_id", "event_id"}`), as
/// the outbox trigger enqueues it. One step, `deliver`: re-checks the URL's addresses, builds
/// and signs the body (Standard Webhooks, with both secrets during a rotation's grace), POSTs it
/// with a 10 s timeout and no redirects, and records the attempt. 2xx succeeds; anything else
/// fails the attempt and the job retries on `schedule` (8 attempts over about a day, honouring
/// `Retry-After` on 429 and 503), then goes dead, redrivable with `runner retry`.
struct WebhookWorkflow: Workflow {
    let name = "webhook"
    let settings: WebhookSettings

    /// Seconds before retry 1, 2, …: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (jitter ±20 %).
    static let schedule: [Double] = [5, 300, 1800, 7200, 18000, 36000, 36000]

    struct Input: Decodable {
        let webhook_id: String
        let event_id: Int64
    }

    func steps(for input: JSON) throws -> [Step] {
        let parsed = try input.decode(Input.self)
        return [.step("deliver") { context in try await deliver(parsed, context) }]
    }

    func retryDelay(afterAttempt attempt: Int) -> Duration? {
        let seconds = Self.schedule[min(max(attempt - 1, 0), Self.schedule.count - 1)]
        return .milliseconds(Int64(seconds * 1000 * settings.retryScale * Double.random(in: 0.8...1.2)))
    }

    private func deliver(_ input: Input, _ context: StepContext) async throws -> JSON {
        guard let store = context.store as? any WebhookStore else {
            throw StepFailure(code: "no_webhook_store", message: "this job store keeps no webhooks", retryable: false)
        }
        guard let webhook = try await store.webhook(input.webhook_id, tenant: nil) else {
            return jsonObject(["skipped": "the subscription was deleted"])
        }
        if webhook.disabled { return jsonObject(["skipped": "the subscription is disabled"]) }
        guard let event = try await store.event(id: input.event_id), let job = try await context.store.job(event.jobID) else {
            return jsonObject(["skipped": "the event no longer exists"])
        }
        let messageID = "msg_\(event.id)_\(webhook.id)"
        var attempt = WebhookDeliveryAttempt(webhookID: webhook.id, jobID: context.jobID, eventID: event.id, messageID: messageID,
                                             attempt: context.attempt)
        let target: OutboundTarget
        do {
            target = try await settings.policy.check(webhook.url)
        } catch {
            attempt.error = error.description
            try await store.recordDelivery(attempt)
            throw StepFailure(code: "url_refused", message: error.description, retryable: false)
        }
        let steps = event.step == nil ? [] : try await context.store.steps(of: job.id)
        let assets = event.type == "job.succeeded" ? try await context.store.assets(of: job.id) : []
        let body = try WebhookPayload.body(event: event, job: job, steps: steps, assets: assets)
        let timestamp = Int64(Date().timeIntervalSince1970)
        var request = HTTPRequest(method: "POST", url: webhook.url, headers: [
            "Content-Type": "application/json",
            "User-Agent": "runner-webhooks/1",
            "webhook-id": messageID,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": WebhookSignature.header(id: messageID, timestamp: timestamp, body: body,
                                                         secrets: webhook.signingSecrets()),
        ], body: .bytes(body), response: .memory(limit: 1 << 20), connectTimeout: settings.timeout, timeout: settings.timeout)
        request.pinnedAddresses = target.pinnedAddresses
        let started = ContinuousClock.now
        let response: HTTPResponse
        do {
            response = try await HTTPClient.shared.send(request)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            attempt.latencyMilliseconds = (ContinuousClock.now - started).milliseconds
            attempt.error = String(describing: error)
            try await store.recordDelivery(attempt)
            throw StepFailure(code: "delivery_failed", message: "\(webhook.url): \(error)")
        }
        attempt.latencyMilliseconds = (ContinuousClock.now - started).milliseconds
        attempt.statusCode = response.status
        if !response.isSuccess { attempt.error = "the receiver answered \(response.status)" }
        try await store.recordDelivery(attempt)
        guard response.isSuccess else {
            var retryAfter: Duration?
            if response.status == 429 || response.status == 503, let header = response.headers["Retry-After"] {
                retryAfter = Self.retryAfter(header)
            }
            throw StepFailure(code: "http_\(response.status)", message: "\(webhook.url) answered \(response.status)",
                              retryAfter: retryAfter)
        }
        return jsonObject(["status_code": response.status, "message_id": messageID])
    }

    /// `Retry-After` as seconds or an HTTP date, at most a day.
    static func retryAfter(_ header: String) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        var seconds: Double?
        if let value = Double(text) {
            seconds = value
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            seconds = formatter.date(from: text).map { $0.timeIntervalSinceNow }
        }
        guard let seconds else { return nil }
        return .milliseconds(Int64(min(max(seconds, 0), 86400) * 1000))
    }
}
