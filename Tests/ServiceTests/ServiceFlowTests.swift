import Crypto
import Foundation
import Service
import Testing

/// The API as a client uses it: post work, watch it, download what it made; on both stores.
@Suite(.serialized)
struct ServiceFlowTests {
    @Test(arguments: StoreKind.allCases)
    func textBecomesNarratedAudioDownloadableWithRanges(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let body: [String: Any] = ["workflow": "narrate", "input": ["text": "The lighthouse keeper climbed the stairs. The lamp was lit."],
                                   "metadata": ["ticket": 42]]
        let created = try await server.request("POST", "/v1/jobs", key: key, json: body)
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(try created.object()["id"] as? String)
        #expect(created.header("Location") == "/v1/jobs/\(id)")

        // The same request again is the same job (200, not a second one).
        let again = try await server.request("POST", "/v1/jobs", key: key, json: body)
        #expect(again.status == 200)
        #expect(try again.object()["id"] as? String == id)

        let job = try await server.waitForJob(id, key: key)
        #expect(job["status"] as? String == "succeeded", "\(job["error"] ?? "")")
        #expect((job["metadata"] as? [String: Any])?["ticket"] as? Int == 42)
        #expect(job["trigger"] as? String == "api")
        let progress = try #require(job["progress"] as? [String: Any])
        #expect(progress["fraction"] as? Double == 1)
        // Seconds of speech made, where the workflow knows them.
        #expect((progress["audio_seconds_done"] as? Double ?? 0) > 0.5, "\(progress)")
        let steps = try #require(job["steps"] as? [[String: Any]])
        #expect(steps.count >= 4 && steps.allSatisfy { $0["status"] as? String == "succeeded" })

        let assets = try #require(job["assets"] as? [[String: Any]])
        let audio = try #require(assets.first { $0["kind"] as? String == "audio" })
        let links = try #require(audio["links"] as? [String: String])
        let content = try await server.request("GET", try #require(links["content"]), key: key)
        #expect(content.status == 200)
        #expect(content.header("Content-Type") == "audio/mpeg")
        #expect(content.data.count == audio["bytes"] as? Int)
        let digest = SHA256.hash(data: content.data).map { String(format: "%02x", $0) }.joined()
        #expect(digest == audio["sha256"] as? String)

        // A browser seeking in the audio: a byte range, and one past the end.
        let part = try await server.request("GET", links["content"]!, key: key, headers: ["Range": "bytes=100-1123"])
        #expect(part.status == 206)
        #expect(part.data == content.data[100...1123])
        #expect(part.header("Content-Range") == "bytes 100-1123/\(content.data.count)")
        let outside = try await server.request("GET", links["content"]!, key: key, headers: ["Range": "bytes=999999999-"])
        #expect(outside.status == 416)
        #expect(outside.header("Content-Type") == "application/problem+json")

        let asset = try await server.request("GET", links["self"]!, key: key).object()
        #expect(asset["kind"] as? String == "audio" && asset["bytes"] as? Int == content.data.count)

        // The history, newest first by default, and oldest first on request.
        let newest = try await server.request("GET", "/v1/jobs/\(id)/events?limit=2", key: key).object()
        let events = try #require(newest["events"] as? [[String: Any]])
        #expect(events.count == 2 && events[0]["type"] as? String == "job.succeeded")
        let cursor = try #require(newest["next_cursor"] as? String)
        let older = try await server.request("GET", "/v1/jobs/\(id)/events?limit=2&cursor=\(cursor)", key: key).object()
        let olderIDs = (older["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(olderIDs.allSatisfy { $0 < (events[1]["id"] as? Int ?? 0) })
        let oldest = try await server.request("GET", "/v1/jobs/\(id)/events?order=asc&limit=1", key: key).object()
        let first = try #require((oldest["events"] as? [[String: Any]])?.first)
        #expect(first["type"] as? String == "job.enqueued")
        #expect((first["payload"] as? [String: Any])?["trigger"] as? String == "api")

        // Rerun makes a new job that says which one it reruns; delete removes a finished job.
        let rerun = try await server.request("POST", "/v1/jobs/\(id)/rerun", key: key)
        #expect(rerun.status == 202)
        let rerunJob = try rerun.object()
        #expect(rerunJob["trigger"] as? String == "rerun:\(id)")
        #expect(rerunJob["id"] as? String != id)
        let deleted = try await server.request("DELETE", "/v1/jobs/\(id)", key: key)
        #expect(deleted.status == 204)
        #expect(try await server.request("GET", "/v1/jobs/\(id)", key: key).status == 404)
        #expect(!FileManager.default.fileExists(atPath: server.output + "/jobs/\(id)/audio.mp3"))
        _ = try await server.waitForJob(try #require(rerunJob["id"] as? String), key: key)
    }

    /// A short text travels in the job itself (nothing written to the store on the request
    /// path); a text over 64 KiB is stored as the job's source, once per content.
    @Test func shortTextsTravelInTheJobAndLongOnesInTheStore() async throws {
        let server = try await TestServer.start(.sqlite) { $0.embeddedWorker = false }
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let short = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "narrate", "input": ["text": "A short note."]])
        #expect(short.status == 202, "\(short.text)")
        let shortInput = try #require(try short.object()["input"] as? [String: Any])
        #expect(shortInput["text"] as? String == "A short note." && shortInput["source_key"] == nil, "\(shortInput)")
        #expect(!FileManager.default.fileExists(atPath: server.output + "/inputs"), "a short text must not be written to the store")

        let long = String(repeating: "The tide came in over the long flat sand. ", count: 1700)  // 71,400 bytes
        let posted = try await server.request("POST", "/v1/jobs", key: key,
                                              json: ["workflow": "narrate", "input": ["text": long, "name": "tide.txt"]])
        #expect(posted.status == 202, "\(posted.text)")
        let longInput = try #require(try posted.object()["input"] as? [String: Any])
        #expect(longInput["text"] == nil, "a long text is not carried in the job")
        let sourceKey = try #require(longInput["source_key"] as? String)
        #expect(sourceKey.hasSuffix("/tide.txt"))
        #expect(try String(contentsOfFile: server.output + "/" + sourceKey, encoding: .utf8) == long)
    }

    @Test(arguments: StoreKind.allCases)
    func uploadSessionStreamsFilesAndARepeatIsANoOp(_ kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let session = try await server.request("POST", "/v1/uploads", key: key, json: ["expected_files": 2, "total_bytes": 1000])
        #expect(session.status == 201)
        let id = try #require(try session.object()["id"] as? String)
        let first = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/uploads/welcome.mp3"))
        let put = try await server.request("PUT", "/v1/uploads/\(id)/files/welcome%20one.mp3", key: key, body: first)
        #expect(put.status == 201, "\(put.text)")
        #expect(try put.object()["sha256"] as? String == SHA256.hash(data: first).map { String(format: "%02x", $0) }.joined())
        let repeated = try await server.request("PUT", "/v1/uploads/\(id)/files/welcome%20one.mp3", key: key, body: first)
        #expect(repeated.status == 200)
        #expect(try repeated.object()["unchanged"] as? Bool == true)
        let bad = try await server.request("PUT", "/v1/uploads/\(id)/files/..", key: key, body: first)
        #expect(bad.status == 422 || bad.status == 404)

        let view = try await server.request("GET", "/v1/uploads/\(id)", key: key).object()
        #expect(view["received_files"] as? Int == 1)
        #expect(view["received_bytes"] as? Int == first.count)
        let files = try #require(view["files"] as? [[String: Any]])
        #expect(files.first?["name"] as? String == "welcome one.mp3")

        // A second recording, then one transcribe job on both (chapters in order), by the offline
        // recogniser: transcript and captions come back over HTTP.
        let second = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/uploads/the-mill.m4a"))
        #expect(try await server.request("PUT", "/v1/uploads/\(id)/files/the-mill.m4a", key: key, body: second).status == 201)
        let job = try await server.request("POST", "/v1/jobs", key: key, json: [
            "workflow": "transcribe", "input": ["upload_id": id, "files": ["welcome one.mp3", "the-mill.m4a"]],
            "options": ["transcriber": "local"]])
        #expect(job.status == 202, "\(job.text)")
        let done = try await server.waitForJob(try #require(try job.object()["id"] as? String), key: key, timeout: .seconds(300))
        #expect(done["status"] as? String == "succeeded", "\(done["error"] ?? "")")
        // Both recordings' seconds, transcribed.
        let progress = try #require(done["progress"] as? [String: Any])
        let total = progress["audio_seconds_total"] as? Double ?? 0
        #expect(total > 5 && progress["audio_seconds_done"] as? Double == total, "\(progress)")
        let assets = done["assets"] as? [[String: Any]] ?? []
        for name in ["transcript.txt", "captions.vtt"] {
            let asset = try #require(assets.first { $0["name"] as? String == name }, "\(name) among \(assets.map { $0["name"] ?? "" })")
            let link = try #require((asset["links"] as? [String: String])?["content"])
            let content = try await server.request("GET", link, key: key)
            #expect(content.status == 200)
            #expect(content.data.count == asset["bytes"] as? Int)
            if name == "transcript.txt" { #expect(content.text.split(separator: " ").count >= 10, "\(content.text)") }
            if name == "captions.vtt" { #expect(content.text.hasPrefix("WEBVTT")) }
        }
        let missing = try await server.request("POST", "/v1/jobs", key: key,
                                               json: ["workflow": "transcribe", "input": ["upload_id": id, "file": "nope.mp3"]])
        #expect(missing.status == 422)
        #expect(try missing.object()["detail"] as? String == "input: the upload session has no file named nope.mp3")

        #expect(try await server.request("DELETE", "/v1/uploads/\(id)", key: key).status == 204)
        #expect(try await server.request("GET", "/v1/uploads/\(id)", key: key).status == 404)
    }

    @Test func badRequestsAreProblemsThatNameTheField() async throws {
        let server = try await TestServer.start(.sqlite)
        defer { Task { await server.stop() } }
        let key = try await server.key(tenant: "acme")
        let cases: [(Any, String)] = [
            (["workflow": "paint", "input": ["text": "x"]], "workflow: must be one of narrate, transcribe"),
            (["workflow": "narrate", "input": ["text": "x"], "options": ["speed": 2]], "options.speed: not an option of narrate"),
            (["workflow": "narrate", "input": ["text": "x"], "options": ["segment_chars": "many"]], "options: segment_chars: expected Int"),
            (["workflow": "narrate", "input": ["text": "x"], "options": ["engine": "robot"]], "options.engine: robot is not one of"),
            (["workflow": "narrate", "input": ["text": "a\u{0}b"]], "input.text: contains NUL characters"),
        ]
        for (body, expected) in cases {
            let answer = try await server.request("POST", "/v1/jobs", key: key, json: body)
            #expect(answer.status == 422, "\(answer.text)")
            #expect(answer.header("Content-Type") == "application/problem+json")
            let detail = try answer.object()["detail"] as? String ?? ""
            #expect(detail.hasPrefix(expected), "\(detail)")
        }
        let notJSON = try await server.request("POST", "/v1/jobs", key: key, body: Data("{".utf8))
        #expect(notJSON.status == 400)
        let big = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "narrate", "input": ["text": String(repeating: "a", count: 2 << 20)]])
        #expect(big.status == 413)
    }

    @Test func operationsEndpointsAnswerWithoutAKey() async throws {
        let server = try await TestServer.start(.sqlite)
        defer { Task { await server.stop() } }
        #expect(try await server.request("GET", "/healthz", key: nil).status == 200)
        #expect(try await server.request("GET", "/readyz", key: nil).status == 200)
        let key = try await server.key(tenant: "acme")
        _ = try await server.request("GET", "/v1/jobs", key: key)
        let metrics = try await server.request("GET", "/metrics", key: nil)
        #expect(metrics.text.contains("hb_requests"))
        #expect(metrics.text.contains(#"http_route="/v1/jobs""#))
        let document = try await server.request("GET", "/openapi.yaml", key: nil)
        #expect(document.text.hasPrefix("openapi: 3.1"))
    }
}
