import Foundation
import Testing

/// Who may see and do what: tenants are walled off, read-only keys only read, revoked keys are
/// refused, and an `Idempotency-Key` makes concurrent retries one job.
@Suite(.serialized)
struct TenantAndKeyTests {
    @Test(arguments: StoreKind.allCases)
    func anotherTenantsIDsAreMissingAndListsNeverShowThem(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let a = try await server.key(tenant: "alpha")
        let b = try await server.key(tenant: "beta")
        let created = try await server.request("POST", "/v1/jobs", key: a, json: ["workflow": "narrate", "input": ["text": "Alpha's own words."]])
        let id = try #require(try created.object()["id"] as? String)
        let job = try await server.waitForJob(id, key: a)
        let asset = try #require((job["assets"] as? [[String: Any]])?.first?["id"] as? String)
        let upload = try #require(try await server.request("POST", "/v1/uploads", key: a, json: [:]).object()["id"] as? String)

        let missing = try await server.request("GET", "/v1/jobs/00000000-0000-4000-8000-000000000000", key: b)
        for path in ["/v1/jobs/\(id)", "/v1/jobs/\(id)/events", "/v1/assets/\(asset)", "/v1/assets/\(asset)/content", "/v1/uploads/\(upload)"] {
            let answer = try await server.request("GET", path, key: b)
            #expect(answer.status == 404, "\(path)")
            // Exactly like a missing one: same status, same kind of document, no hint of existence.
            #expect(try answer.object()["code"] as? String == (try missing.object()["code"] as? String))
        }
        for path in ["/v1/jobs/\(id)/cancel", "/v1/jobs/\(id)/retry", "/v1/jobs/\(id)/rerun"] {
            #expect(try await server.request("POST", path, key: b).status == 404, "\(path)")
        }
        #expect(try await server.request("DELETE", "/v1/jobs/\(id)", key: b).status == 404)
        #expect(try await server.request("PUT", "/v1/uploads/\(upload)/files/x.mp3", key: b, body: Data("x".utf8)).status == 404)
        let bJobs = try await server.request("GET", "/v1/jobs", key: b).object()
        #expect((bJobs["jobs"] as? [Any])?.isEmpty == true)
        let bEvents = try await server.request("GET", "/v1/events?after=0", key: b).object()
        #expect((bEvents["events"] as? [Any])?.isEmpty == true)
        // B cannot start a job on A's upload either.
        let stolen = try await server.request("POST", "/v1/jobs", key: b,
                                              json: ["workflow": "transcribe", "input": ["upload_id": upload, "file": "x.mp3"]])
        #expect(stolen.status == 422)
        let aJobs = try await server.request("GET", "/v1/jobs", key: a).object()
        #expect((aJobs["jobs"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
    }

    @Test func readOnlyKeysReadAndRevokedKeysAreRefused() async throws {
        let server = try await TestServer.start(.sqlite)
        defer { Task { await server.stop() } }
        let writer = try await server.key(tenant: "alpha")
        let reader = try await server.key(tenant: "alpha", readOnly: true)
        let created = try await server.request("POST", "/v1/jobs", key: writer, json: ["workflow": "narrate", "input": ["text": "Hello."]])
        let id = try #require(try created.object()["id"] as? String)
        #expect(try await server.request("GET", "/v1/jobs/\(id)", key: reader).status == 200)
        let refused = try await server.request("POST", "/v1/jobs", key: reader, json: ["workflow": "narrate", "input": ["text": "More."]])
        #expect(refused.status == 403)
        #expect(try refused.object()["code"] as? String == "read_only")
        #expect(try await server.request("POST", "/v1/jobs/\(id)/cancel", key: reader).status == 403)
        #expect(try await server.request("DELETE", "/v1/jobs/\(id)", key: reader).status == 403)

        #expect(try await server.request("GET", "/v1/jobs", key: nil).status == 401)
        #expect(try await server.request("GET", "/v1/jobs", key: "mpk_not-a-key").status == 401)
        try await server.revoke(reader)
        // A revoked key is refused within the key cache's 2 s (it was used a moment ago).
        var revoked = try await server.request("GET", "/v1/jobs/\(id)", key: reader)
        let deadline = ContinuousClock.now + .seconds(10)
        while revoked.status != 401, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            revoked = try await server.request("GET", "/v1/jobs/\(id)", key: reader)
        }
        #expect(revoked.status == 401)
        #expect(revoked.header("WWW-Authenticate") == "Bearer")
        _ = try await server.waitForJob(id, key: writer)
    }

    @Test(arguments: StoreKind.allCases)
    func fiftyConcurrentPostsWithOneIdempotencyKeyMakeOneJob(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "alpha")
        let body = Data(#"{"workflow": "narrate", "input": {"text": "Once only."}, "priority": 3}"#.utf8)
        let answers = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await server.request("POST", "/v1/jobs", key: key, body: body, headers: ["Idempotency-Key": "order-7"])
                }
            }
            return try await group.reduce(into: [HTTPAnswer]()) { $0.append($1) }
        }
        let ids = Set(try answers.map { try $0.object()["id"] as? String })
        #expect(ids.count == 1)
        #expect(answers.filter { $0.status == 202 }.count == 1)
        #expect(answers.filter { $0.status == 200 }.count == 49)
        let listed = try await server.request("GET", "/v1/jobs", key: key).object()
        #expect((listed["jobs"] as? [Any])?.count == 1)

        let changed = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "narrate", "input": ["text": "Something else."]],
                                               headers: ["Idempotency-Key": "order-7"])
        #expect(changed.status == 422)
        #expect(try changed.object()["code"] as? String == "idempotency_key_reused")
        _ = try await server.waitForJob(try #require(ids.first ?? nil), key: key)
    }
}
