import Foundation
import Testing
@testable import Pipeline
@testable import Providers
@testable import Service

/// Outbound webhooks end to end: subscriptions over the API, deliveries made by the real worker
/// to a Python receiver that verifies every signature with the `standardwebhooks` package.
@Suite(.serialized)
struct WebhookTests {
    /// A server whose webhooks may reach the loopback receiver, with the retry schedule
    /// shrunk a thousandfold (5 ms, 300 ms, 1.8 s, …).
    static func server(_ kind: StoreKind) async throws -> TestServer {
        try await TestServer.start(kind) { options in
            options.webhooks = WebhookSettings(policy: OutboundURLPolicy(allowedHosts: ["127.0.0.1"]), retryScale: 0.001)
            options.service.outboundPolicy = options.webhooks.policy
        }
    }

    static func subscribe(_ server: TestServer, key: String, url: String, events: [String]) async throws -> (id: String, secret: String) {
        let created = try await server.request("POST", "/v1/webhooks", key: key,
                                               json: ["url": url, "events": events, "description": "test receiver"])
        #expect(created.status == 201, "\(created.text)")
        let object = try created.object()
        let id = try #require(object["id"] as? String)
        let secret = try #require(object["secret"] as? String)
        #expect(created.header("Location") == "/v1/webhooks/\(id)")
        return (id, secret)
    }

    /// Enqueues a `noop` job of `tenant` straight into the store (the API takes media workflows only).
    static func enqueueNoop(_ server: TestServer, tenant: String, tag: String) async throws -> String {
        let store = try await openServiceStore(url: server.databaseURL, poolSize: 1)
        var request = EnqueueRequest(workflow: "noop", input: try JSON(encoding: ["tag": tag]))
        request.tenant = tenant
        let result = try await store.enqueue(request, source: "test")
        await store.close()
        return result.jobID.uuidString.lowercased()
    }

    @Test(arguments: StoreKind.allCases)
    func aSucceededJobIsDeliveredSignedWithItsAssets(_ kind: StoreKind) async throws {
        let receiver = try await WebhookReceiver()
        let server = try await Self.server(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let (webhookID, secret) = try await Self.subscribe(server, key: key, url: receiver.url, events: ["job.succeeded"])
        #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
        try await receiver.configure(secrets: [secret])

        let created = try await server.request("POST", "/v1/jobs", key: key, json: [
            "workflow": "narrate", "input": ["text": "The bell rang twice. Then the harbour was quiet."], "metadata": ["order": 7]])
        #expect(created.status == 202, "\(created.text)")
        let jobID = try #require(try created.object()["id"] as? String)
        let job = try await server.waitForJob(jobID, key: key)
        #expect(job["status"] as? String == "succeeded")

        let log = try await receiver.waitFor("the job.succeeded delivery") { $0.contains { $0.answered == 204 } }
        #expect(log.count == 1, "one event subscribed, one delivery: \(log.map(\.type))")
        let delivery = try #require(log.first)
        #expect(delivery.verifiedWith == [0], "standardwebhooks verifies the signature")
        #expect(delivery.type == "job.succeeded")
        #expect(delivery.job["id"] as? String == jobID)
        #expect(delivery.job["status"] as? String == "succeeded" && delivery.job["workflow"] as? String == "narrate")
        #expect((delivery.job["metadata"] as? [String: Any])?["order"] as? Int == 7)
        #expect(delivery.job["trigger"] as? String == "api")
        #expect(delivery.webhookID == "msg_\(try #require(delivery.eventID))_\(webhookID)")
        let assets = try #require(delivery.data["assets"] as? [[String: Any]])
        let audio = try #require(assets.first { $0["kind"] as? String == "audio" })
        let content = try #require((audio["links"] as? [String: String])?["content"])
        let download = try await server.request("GET", content, key: key)
        #expect(download.status == 200 && download.data.count == audio["bytes"] as? Int)

        let page = try await server.request("GET", "/v1/webhooks/\(webhookID)/deliveries", key: key).object()
        let attempts = try #require(page["deliveries"] as? [[String: Any]])
        #expect(attempts.count == 1)
        #expect(attempts.first?["status_code"] as? Int == 204 && attempts.first?["succeeded"] as? Bool == true)
        #expect(attempts.first?["message_id"] as? String == delivery.webhookID && attempts.first?["attempt"] as? Int == 1)

        // The secret is answered once: never by reads, nor in any event of the tenant.
        let read = try await server.request("GET", "/v1/webhooks/\(webhookID)", key: key)
        let readObject = try read.object()
        #expect(read.status == 200 && readObject["secret"] == nil && !read.text.contains(secret))
        let list = try await server.request("GET", "/v1/webhooks", key: key)
        #expect(list.status == 200 && !list.text.contains(secret) && list.text.contains(webhookID))
        let events = try await server.request("GET", "/v1/events?limit=500", key: key)
        #expect(events.status == 200 && !events.text.contains(secret) && !events.text.contains(String(secret.dropFirst(6))))
        let deliveryJob = try #require(attempts.first?["job_id"] as? String)
        let jobView = try await server.request("GET", "/v1/jobs/\(deliveryJob)", key: key)
        let jobObject = try jobView.object()
        #expect(jobView.status == 200 && !jobView.text.contains(String(secret.dropFirst(6))))
        #expect(jobObject["workflow"] as? String == "webhook")
        receiver.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func aReceiverFailingThreeTimesGetsTheEventOnceAcceptedWithOneWebhookID(_ kind: StoreKind) async throws {
        let receiver = try await WebhookReceiver()
        let server = try await Self.server(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let (webhookID, secret) = try await Self.subscribe(server, key: key, url: receiver.url, events: ["job.succeeded"])
        try await receiver.configure(secrets: [secret], failFirst: 3, failStatus: 500)
        let jobID = try await Self.enqueueNoop(server, tenant: "acme", tag: "flaky")

        let log = try await receiver.waitFor("an accepted delivery") { $0.contains { $0.answered == 204 } }
        #expect(log.map(\.answered) == [500, 500, 500, 204])
        #expect(Set(log.map(\.webhookID)).count == 1, "the same webhook-id on every attempt: \(log.map(\.webhookID))")
        #expect(log.allSatisfy { $0.verifiedWith == [0] && $0.job["id"] as? String == jobID })

        // Every attempt is recorded, newest first, and pages with the cursor.
        let first = try await server.request("GET", "/v1/webhooks/\(webhookID)/deliveries?limit=2", key: key).object()
        let newest = try #require(first["deliveries"] as? [[String: Any]])
        let cursor = try #require(first["next_cursor"] as? String)
        let second = try await server.request("GET", "/v1/webhooks/\(webhookID)/deliveries?limit=2&cursor=\(cursor)", key: key).object()
        let older = try #require(second["deliveries"] as? [[String: Any]])
        let all = newest + older
        #expect(all.map { $0["attempt"] as? Int } == [4, 3, 2, 1])
        #expect(all.map { $0["status_code"] as? Int } == [204, 500, 500, 500])
        let deliveryJob = try #require(all.first?["job_id"] as? String)
        let job = try await server.waitForJob(deliveryJob, key: key)
        #expect(job["status"] as? String == "succeeded" && job["attempts"] as? Int == 4 && job["max_attempts"] as? Int == 8)
        receiver.stop()
    }

    @Test func retryAfterOn429ReplacesTheBackOff() async throws {
        let receiver = try await WebhookReceiver()
        // A schedule stretched a thousandfold (the first retry after ~83 min): only the
        // receiver's `Retry-After: 1` can bring the second attempt within the test's wait.
        let server = try await TestServer.start(.sqlite) { options in
            options.webhooks = WebhookSettings(policy: OutboundURLPolicy(allowedHosts: ["127.0.0.1"]), retryScale: 1000)
            options.service.outboundPolicy = options.webhooks.policy
        }
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let (_, secret) = try await Self.subscribe(server, key: key, url: receiver.url, events: ["job.succeeded"])
        try await receiver.configure(secrets: [secret], failFirst: 1, failStatus: 429, retryAfter: "1")
        _ = try await Self.enqueueNoop(server, tenant: "acme", tag: "throttled")
        let log = try await receiver.waitFor("the attempt after Retry-After") { $0.contains { $0.answered == 204 } }
        #expect(log.map(\.answered) == [429, 204])
        #expect(Set(log.map(\.webhookID)).count == 1)
        receiver.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func rotationSignsWithBothSecretsDuringTheGracePeriodOnly(_ kind: StoreKind) async throws {
        let receiver = try await WebhookReceiver()
        let server = try await Self.server(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let (webhookID, original) = try await Self.subscribe(server, key: key, url: receiver.url, events: ["job.succeeded"])

        let rotated = try await server.request("POST", "/v1/webhooks/\(webhookID)/rotate-secret", key: key)
        #expect(rotated.status == 200, "\(rotated.text)")
        let current = try #require(try rotated.object()["secret"] as? String)
        #expect(current != original && current.hasPrefix("whsec_"))
        let rotatedObject = try rotated.object()
        #expect(rotatedObject["previous_secret_expires_at"] is String)
        try await receiver.configure(secrets: [current, original])
        _ = try await Self.enqueueNoop(server, tenant: "acme", tag: "grace")
        let during = try await receiver.waitFor("a delivery during the grace period") { $0.count == 1 }
        #expect(during.first?.verifiedWith == [0, 1], "both the new and the old secret verify")
        #expect(during.first?.signature.split(separator: " ").count == 2)

        // A rotation without grace: the previous secret stops signing at once.
        let again = try await server.request("POST", "/v1/webhooks/\(webhookID)/rotate-secret", key: key, json: ["grace_seconds": 0])
        let newest = try #require(try again.object()["secret"] as? String)
        try await receiver.configure(secrets: [newest, current])
        _ = try await Self.enqueueNoop(server, tenant: "acme", tag: "after")
        let after = try await receiver.waitFor("a delivery after the grace period") { $0.count == 2 }
        #expect(after.last?.verifiedWith == [0], "only the newest secret signs")
        #expect(after.last?.signature.split(separator: " ").count == 1)
        receiver.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func theOutboxEnqueuesOneDeliveryPerMatchingEventAndNeverForDeliveries(_ kind: StoreKind) async throws {
        let receiver = try await WebhookReceiver()
        let server = try await Self.server(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let other = try await server.key(tenant: "quiet")
        let (webhookID, secret) = try await Self.subscribe(server, key: key, url: receiver.url, events: ["*"])
        try await receiver.configure(secrets: [secret])

        let jobID = try await Self.enqueueNoop(server, tenant: "acme", tag: "all")
        _ = try await server.waitForJob(jobID, key: key)
        let history = try await server.request("GET", "/v1/jobs/\(jobID)/events?order=asc", key: key).object()
        let types = try #require(history["events"] as? [[String: Any]]).compactMap { $0["type"] as? String }
        #expect(types == ["job.enqueued", "job.started", "job.succeeded"])
        let log = try await receiver.waitFor("one delivery per event") { $0.filter { $0.answered == 204 }.count >= types.count }
        #expect(Set(log.compactMap(\.type)) == Set(types))
        #expect(log.allSatisfy { $0.job["workflow"] as? String == "noop" }, "no delivery reports a delivery job")
        let deliveries = try await server.request("GET", "/v1/jobs?workflow=webhook&limit=100", key: key).object()
        let deliveryJobs = try #require(deliveries["jobs"] as? [[String: Any]])
        #expect(deliveryJobs.count == types.count, "one delivery job per event, none for the deliveries' own events")

        // Another tenant's jobs enqueue nothing; a disabled subscription gets nothing more.
        let quietJob = try await Self.enqueueNoop(server, tenant: "quiet", tag: "none")
        _ = try await server.waitForJob(quietJob, key: other)
        let quiet = try await server.request("GET", "/v1/jobs?workflow=webhook", key: other).object()
        #expect((quiet["jobs"] as? [Any])?.isEmpty == true)
        let disabled = try await server.request("PATCH", "/v1/webhooks/\(webhookID)", key: key, json: ["disabled": true])
        let disabledObject = try disabled.object()
        #expect(disabled.status == 200 && disabledObject["disabled"] as? Bool == true)
        let later = try await Self.enqueueNoop(server, tenant: "acme", tag: "later")
        _ = try await server.waitForJob(later, key: key)
        let after = try await server.request("GET", "/v1/jobs?workflow=webhook&limit=100", key: key).object()
        #expect((after["jobs"] as? [Any])?.count == types.count, "the outbox writes in the job's own transactions: nothing new")
        receiver.stop()
    }

    @Test(arguments: StoreKind.allCases)
    func anotherTenantsWebhookIsNotFound(_ kind: StoreKind) async throws {
        let server = try await Self.server(kind)
        defer { Task { await server.stop() } }
        let a = try await server.key(tenant: "tenant-a")
        let b = try await server.key(tenant: "tenant-b")
        let reader = try await server.key(tenant: "tenant-a", readOnly: true)
        let (id, _) = try await Self.subscribe(server, key: a, url: "http://127.0.0.1:9/hook", events: ["job.dead", "step.*"])
        for (method, path, body) in [("GET", "/v1/webhooks/\(id)", nil), ("PATCH", "/v1/webhooks/\(id)", ["description": "x"]),
                                     ("DELETE", "/v1/webhooks/\(id)", nil), ("POST", "/v1/webhooks/\(id)/rotate-secret", nil),
                                     ("GET", "/v1/webhooks/\(id)/deliveries", nil)] as [(String, String, [String: Any]?)] {
            let answer = try await server.request(method, path, key: b, json: body)
            #expect(answer.status == 404, "\(method) \(path) as another tenant: \(answer.status)")
            #expect(answer.header("Content-Type") == "application/problem+json")
        }
        let missing = try await server.request("GET", "/v1/webhooks/wh_doesnotexist", key: a)
        #expect(missing.status == 404)
        let listB = try await server.request("GET", "/v1/webhooks", key: b).object()
        #expect((listB["webhooks"] as? [Any])?.isEmpty == true)
        let readOnly = try await server.request("POST", "/v1/webhooks", key: reader, json: ["url": "http://127.0.0.1:9/", "events": ["*"]])
        #expect(readOnly.status == 403)
        #expect(try await server.request("GET", "/v1/webhooks/\(id)", key: a).status == 200)
        #expect(try await server.request("DELETE", "/v1/webhooks/\(id)", key: a).status == 204)
        #expect(try await server.request("GET", "/v1/webhooks/\(id)", key: a).status == 404)
    }

    @Test func privateLinkLocalAndMetadataURLsAreRefusedWith422() async throws {
        // The default policy: nothing allow-listed (WEBHOOK_ALLOW_HOSTS is not set for the tests).
        let server = try await TestServer.start(.sqlite) { options in
            options.webhooks = WebhookSettings(policy: OutboundURLPolicy())
            options.service.outboundPolicy = options.webhooks.policy
        }
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let cases: [(String, String)] = [
            ("http://10.0.0.1/", "private"), ("http://169.254.169.254/latest/meta-data/", "metadata"),
            ("http://127.0.0.1:8080/hook", "loopback"), ("http://[::1]/", "loopback"), ("http://100.64.1.1/", "carrier-grade NAT"),
            ("http://0.0.0.0/", "unspecified"), ("http://[fe80::1]/", "link-local"), ("http://192.168.1.20/", "private"),
            ("http://localhost:9/", "loopback"), ("ftp://example.com/", "only http and https"),
            ("http://user:pw@example.com/", "user names and passwords"),
        ]
        for (url, reason) in cases {
            let answer = try await server.request("POST", "/v1/webhooks", key: key, json: ["url": url, "events": ["job.succeeded"]])
            #expect(answer.status == 422, "\(url): \(answer.status) \(answer.text)")
            let problem = try answer.object()
            #expect(problem["code"] as? String == "url_not_allowed")
            let detail = problem["detail"] as? String ?? ""
            #expect(detail.contains(url) && detail.contains(reason), "\(detail)")
        }
        let unknown = try await server.request("POST", "/v1/webhooks", key: key, json: ["url": "http://10.0.0.1/", "events": ["job.exploded"]])
        #expect(unknown.status == 422)
        let list = try await server.request("GET", "/v1/webhooks", key: key).object()
        #expect((list["webhooks"] as? [Any])?.isEmpty == true, "nothing refused was stored")
    }

    @Test(arguments: [
        ("8.8.8.8", AddressClass.public), ("10.1.2.3", .private), ("172.16.0.1", .private), ("172.32.0.1", .public),
        ("192.168.0.1", .private), ("127.0.0.2", .loopback), ("169.254.1.1", .linkLocal), ("169.254.169.254", .metadata),
        ("100.64.0.1", .sharedCGNAT), ("100.128.0.1", .public), ("0.0.0.0", .unspecified), ("224.0.0.1", .multicast),
        ("::1", .loopback), ("::", .unspecified), ("fe80::1", .linkLocal), ("fc00::1", .private), ("fd12::1", .private),
        ("::ffff:10.0.0.1", .private), ("::ffff:8.8.4.4", .public), ("2606:4700::1111", .public), ("fd00:ec2::254", .metadata),
    ])
    func addressesAreClassified(_ address: String, _ expected: AddressClass) {
        #expect(AddressClass.of(address) == expected)
    }
}
