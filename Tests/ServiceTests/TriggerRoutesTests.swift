import Crypto
import Foundation
import Testing
@testable import Pipeline
@testable import Service

/// Schedules, inbound hooks and `process-pending` through the HTTP API, on both stores, with
/// the server's embedded worker firing schedules and running the jobs.
@Suite struct TriggerRoutesTests {
    // MARK: Schedules

    @Test(arguments: StoreKind.allCases)
    func schedulesAreCreatedCheckedPausedAndFired(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let other = try await server.key(tenant: "globex")
        let input: [String: Any] = ["text": "The night bell rang."]

        let badCron = try await server.request("POST", "/v1/schedules", key: key,
                                               json: ["cron": "61 3 * * *", "workflow": "narrate", "input": input])
        #expect(badCron.status == 422)
        #expect(badCron.header("Content-Type") == "application/problem+json")
        #expect(try badCron.object()["detail"] as? String == "cron: minute field '61': 61 is out of range 0-59")
        let badZone = try await server.request("POST", "/v1/schedules", key: key,
                                               json: ["cron": "0 3 * * *", "timezone": "Europe/Atlantis", "workflow": "narrate", "input": input])
        #expect(badZone.status == 422)
        #expect((try badZone.object()["detail"] as? String)?.hasPrefix("timezone: Europe/Atlantis is not an IANA time zone") == true)

        let created = try await server.request("POST", "/v1/schedules", key: key, json: [
            "cron": "0 3 * * *", "timezone": "Europe/Paris", "workflow": "narrate", "input": input, "catch_up": "none",
        ])
        #expect(created.status == 201, "\(created.text)")
        let schedule = try created.object()
        let id = try #require(schedule["id"] as? String)
        #expect(created.header("Location") == "/v1/schedules/\(id)")
        #expect(schedule["catch_up"] as? String == "none")
        let times = try #require(schedule["next_fire_times"] as? [String])
        #expect(times.count == 5)
        // 03:00 in Paris is 01:00 or 02:00 UTC.
        #expect(times.allSatisfy { $0.contains("T01:00:00") || $0.contains("T02:00:00") }, "\(times)")
        #expect(schedule["next_fire_at"] as? String == times.first)

        #expect(try await server.request("GET", "/v1/schedules/\(id)", key: other).status == 404)
        #expect(try await server.request("DELETE", "/v1/schedules/\(id)", key: other).status == 404)
        let list = try await server.request("GET", "/v1/schedules", key: key).object()
        #expect((list["schedules"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        #expect((try await server.request("GET", "/v1/schedules", key: other).object()["schedules"] as? [Any])?.isEmpty == true)

        let paused = try await server.request("POST", "/v1/schedules/\(id)/pause", key: key).object()
        #expect(paused["paused"] as? Bool == true)
        #expect(paused["next_fire_at"] is NSNull)
        let resumed = try await server.request("POST", "/v1/schedules/\(id)/resume", key: key).object()
        #expect(resumed["paused"] as? Bool == false)
        let patched = try await server.request("PATCH", "/v1/schedules/\(id)", key: key, json: ["cron": "30 4 * * MON", "timezone": "UTC"])
        #expect(patched.status == 200, "\(patched.text)")
        #expect((try patched.object()["next_fire_times"] as? [String])?.allSatisfy { $0.contains("T04:30:00") } == true)
        let badPatch = try await server.request("PATCH", "/v1/schedules/\(id)", key: key, json: ["catch_up": "sometimes"])
        #expect(badPatch.status == 422)
        #expect((try badPatch.object()["detail"] as? String)?.hasPrefix("catch_up:") == true)

        // Every second: the embedded worker's ticker fires it; the job records the schedule.
        let everySecond = try await server.request("PATCH", "/v1/schedules/\(id)", key: key, json: ["cron": "* * * * * *"])
        #expect(everySecond.status == 200)
        var jobs: [[String: Any]] = []
        let fired = try await Self.eventually(timeout: .seconds(60)) {
            jobs = try await server.request("GET", "/v1/jobs", key: key).object()["jobs"] as? [[String: Any]] ?? []
            return !jobs.isEmpty
        }
        #expect(fired, "no job fired")
        #expect(try await server.request("DELETE", "/v1/schedules/\(id)", key: key).status == 204)
        #expect(try await server.request("GET", "/v1/schedules/\(id)", key: key).status == 404)
        let job = try #require(jobs.first)
        #expect(job["trigger"] as? String == "schedule:\(id)")
        let jobID = try #require(job["id"] as? String)
        let events = try await server.request("GET", "/v1/jobs/\(jobID)/events", key: key).object()
        let enqueued = try #require((events["events"] as? [[String: Any]])?.first { $0["type"] as? String == "job.enqueued" })
        #expect((enqueued["payload"] as? [String: Any])?["trigger"] as? String == "schedule:\(id)")
    }

    // MARK: Inbound hooks

    /// Signs as the Standard Webhooks specification says, written here independently of the
    /// server's `StandardWebhooks`: HMAC-SHA256 over "id.timestamp.body" with the base64-decoded
    /// secret after `whsec_`, sent as "v1,<base64>".
    static func signedHeaders(secret: String, id: String, timestamp: Int, body: Data) throws -> [String: String] {
        let keyBytes = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: keyBytes))
        return ["webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": "v1," + Data(mac).base64EncodedString(),
                "Content-Type": "application/json"]
    }

    @Test(arguments: StoreKind.allCases)
    func signedHooksStartOneJobPerWebhookID(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let other = try await server.key(tenant: "globex")
        let name = "articles-\(kind.rawValue)"
        let created = try await server.request("POST", "/v1/hooks", key: key, json: [
            "name": name, "workflow": "narrate", "mapping": ["text": "/data/article/body", "name": "/data/article/file"],
        ])
        #expect(created.status == 201, "\(created.text)")
        let secret = try #require(try created.object()["secret"] as? String)
        #expect(secret.hasPrefix("whsec_"))
        #expect(try await server.request("POST", "/v1/hooks", key: other, json: ["name": name, "workflow": "narrate", "mapping": ["text": "/t"]])
            .status == 409)
        let listed = try await server.request("GET", "/v1/hooks", key: key)
        #expect(!listed.text.contains(secret), "the secret is shown only once")
        #expect(try await server.request("GET", "/v1/hooks/\(name)", key: other).status == 404)
        let badMapping = try await server.request("POST", "/v1/hooks", key: key, json: ["name": "x", "workflow": "narrate", "mapping": ["title": "/t"]])
        #expect(badMapping.status == 422)
        #expect((try badMapping.object()["detail"] as? String)?.hasPrefix("mapping.title:") == true)

        let text = "Breaking: the tide came in on time."
        let body = try JSONSerialization.data(withJSONObject: ["type": "article.published",
                                                               "data": ["article": ["body": text, "file": "tide.txt"]]])
        let now = Int(Date().timeIntervalSince1970)
        let headers = try Self.signedHeaders(secret: secret, id: "msg_1", timestamp: now, body: body)
        let first = try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: headers)
        #expect(first.status == 202, "\(first.text)")
        let job = try first.object()
        let jobID = try #require(job["id"] as? String)
        #expect(job["trigger"] as? String == "hook:\(name)")
        // The mapped input: the (short) text carried in the job under the mapped name.
        let jobInput = try #require(job["input"] as? [String: Any])
        #expect(jobInput["name"] as? String == "tide.txt")
        #expect(jobInput["text"] as? String == text)

        // A replay (same webhook-id, even re-signed later) is the same job, not a second one.
        let replayHeaders = try Self.signedHeaders(secret: secret, id: "msg_1", timestamp: now + 1, body: body)
        let replay = try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: replayHeaders)
        #expect(replay.status == 200)
        #expect(try replay.object()["id"] as? String == jobID)

        let stale = try Self.signedHeaders(secret: secret, id: "msg_2", timestamp: now - 6 * 60, body: body)
        let staleAnswer = try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: stale)
        #expect(staleAnswer.status == 401)
        #expect(staleAnswer.header("Content-Type") == "application/problem+json")
        let wrongKey = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let forged = try Self.signedHeaders(secret: wrongKey, id: "msg_3", timestamp: now, body: body)
        #expect(try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: forged).status == 401)
        var tampered = headers
        tampered["webhook-id"] = "msg_4"
        #expect(try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: tampered).status == 401)
        #expect(try await server.request("POST", "/v1/hooks/nope-\(kind.rawValue)", key: nil, body: body, headers: headers).status == 404)
        let missing = try JSONSerialization.data(withJSONObject: ["data": ["other": 1]])
        let missingAnswer = try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: missing,
                                                     headers: try Self.signedHeaders(secret: secret, id: "msg_5", timestamp: now, body: missing))
        #expect(missingAnswer.status == 422)
        #expect(try missingAnswer.object()["detail"] as? String == "payload: nothing at /data/article/file (mapped to input.name)")

        let jobs = try await server.request("GET", "/v1/jobs", key: key).object()["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.filter { $0["trigger"] as? String == "hook:\(name)" }.count == 1)
        #expect(try await server.request("DELETE", "/v1/hooks/\(name)", key: key).status == 204)
        #expect(try await server.request("POST", "/v1/hooks/\(name)", key: nil, body: body, headers: headers).status == 404)
    }

    // MARK: process-pending

    @Test(arguments: StoreKind.allCases)
    func processPendingEnqueuesEachSessionOnceUnderConcurrentCalls(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let other = try await server.key(tenant: "globex")
        var sessions: [String] = []
        for index in 0..<3 {
            let id = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object()["id"] as? String)
            #expect(try await server.request("PUT", "/v1/uploads/\(id)/files/take\(index).wav", key: key, body: Data("RIFF".utf8)).status == 201)
            sessions.append(id)
        }
        // A session without files, and one whose file already has a job, are not pending.
        _ = try await server.request("POST", "/v1/uploads", key: key, json: [:])
        let used = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object()["id"] as? String)
        #expect(try await server.request("PUT", "/v1/uploads/\(used)/files/a.wav", key: key, body: Data("RIFF".utf8)).status == 201)
        let direct = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "transcribe", "input": ["upload_id": used, "file": "a.wav"]])
        #expect(direct.status == 202, "\(direct.text)")
        // Another tenant's call sees none of them.
        #expect((try await server.request("POST", "/v1/tasks/process-pending", key: other).object()["jobs"] as? [Any])?.isEmpty == true)

        let bodies = try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
            for _ in 0..<4 {
                group.addTask { try await server.request("POST", "/v1/tasks/process-pending", key: key) }
            }
            var all: [HTTPAnswer] = []
            for try await answer in group { all.append(answer) }
            return all
        }
        var answers: [[String: Any]] = []
        for answer in bodies {
            #expect(answer.status == 200, "\(answer.text)")
            answers += try answer.object()["jobs"] as? [[String: Any]] ?? []
        }
        #expect(answers.count == 3, "\(answers.count) jobs for 3 sessions")
        let uploadIDs = answers.compactMap { ($0["metadata"] as? [String: Any])?["upload_id"] as? String }
        #expect(Set(uploadIDs) == Set(sessions))
        #expect(answers.allSatisfy { $0["trigger"] as? String == "process-pending" && $0["workflow"] as? String == "transcribe" })
        let again = try await server.request("POST", "/v1/tasks/process-pending", key: key).object()
        #expect((again["jobs"] as? [Any])?.isEmpty == true)
    }

    /// Polls `condition` until it holds or `timeout` passes. - Returns: whether it held.
    static func eventually(timeout: Duration, every: Duration = .milliseconds(100), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: every)
        }
        return try await condition()
    }
}
