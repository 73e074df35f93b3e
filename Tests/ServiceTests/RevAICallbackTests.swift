import FakeProviders
import Foundation
import Providers
import Testing
@testable import Pipeline
@testable import Service

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rev.ai's callback (issue 12): with the public URL configured, each chunk is submitted with
/// `notification_config.url` = `<public>/v1/callbacks/revai/{token}`; the fake Rev.ai calls back
/// when a job ends, the server records the call and the waiting worker finishes on it, instead
/// of polling. On both stores, with the real server, embedded worker and fake Rev.ai.
@Suite(.serialized)
struct RevAICallbackTests {
    /// The server on a port known in advance (the public URL names it), its worker's Rev.ai
    /// client on the fake, polling every `callbackPoll` seconds while a call is expected.
    static func start(_ kind: StoreKind, fakes: FakeProviders, callbackPoll: Int) async throws -> TestServer {
        let port = try freeLoopbackPort()
        return try await TestServer.start(kind) { options in
            options.service.port = port
            options.publicURL = "http://127.0.0.1:\(port)"
            options.providerEnvironment = ProviderEnvironment([
                "REVAI_ACCESS_TOKEN": fakes.keys.revai, "REVAI_BASE_URL": fakes.baseURL,
                "REVAI_CALLBACK_POLL_SECONDS": String(callbackPoll),
            ])
        }
    }

    /// Uploads the 26-second fixture and starts a Rev.ai transcription in 10-second chunks.
    static func transcribe(_ server: TestServer, key: String) async throws -> String {
        let session = try await server.request("POST", "/v1/uploads", key: key, json: [String: Any]())
        let upload = try #require(try session.object()["id"] as? String)
        let audio = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/uploads/welcome.mp3"))
        #expect(try await server.request("PUT", "/v1/uploads/\(upload)/files/welcome.mp3", key: key, body: audio).status == 201)
        let job = try await server.request("POST", "/v1/jobs", key: key, json: [
            "workflow": "transcribe", "input": ["upload_id": upload, "file": "welcome.mp3"],
            "options": ["transcriber": "revai", "chunk_seconds": 10, "summarize": false]])
        #expect(job.status == 202, "\(job.text)")
        return try #require(try job.object()["id"] as? String)
    }

    /// The store's callback rows of the server's database: (all, arrived, closed).
    static func callbackRows(_ server: TestServer) async throws -> (all: Int, arrived: Int, closed: Int) {
        let store = try #require(try await openServiceStore(url: server.databaseURL, poolSize: 1) as? SQLJobStore)
        defer { Task { await store.close() } }
        let row = try #require(try await store.backend.single(
            "SELECT count(*), count(arrived_at), count(closed_at) FROM provider_callbacks", []).first)
        return (try row.int(0), try row.int(1), try row.int(2))
    }

    @Test(arguments: StoreKind.allCases)
    func chunksFinishOnTheCallbackWithoutStatusPolls(_ kind: StoreKind) async throws {
        var configuration = FakeProviders.Configuration()
        configuration.revai.processingDelay = .seconds(2)
        let fakes = try await FakeProviders.start(configuration)
        let server = try await Self.start(kind, fakes: fakes, callbackPoll: 600)
        defer { Task { await server.stop(); await fakes.shutdown() } }
        let key = try await server.key(tenant: "acme")
        let id = try await Self.transcribe(server, key: key)

        // The fallback poll comes only after 10 minutes: done before, and with no status poll
        // at the fake (below), it finished on the calls.
        let started = ContinuousClock.now
        let job = try await server.waitForJob(id, key: key, timeout: .seconds(300))
        #expect(ContinuousClock.now - started < .seconds(600))
        #expect(job["status"] as? String == "succeeded", "\(job["error"] ?? "")")
        let chunks = try #require((job["steps"] as? [[String: Any]])?.filter { ($0["name"] as? String ?? "").hasPrefix("transcribe/") }.count)
        #expect(chunks >= 2)
        let stats = fakes.stats(.revai)
        #expect(stats.callsByRoute["POST /jobs"] == chunks)
        #expect(stats.callsByRoute["GET /jobs/{id}"] == nil, "status polls: \(stats.callsByRoute)")
        #expect(stats.callsByRoute["GET /jobs/{id}/transcript"] == chunks)
        let calls = fakes.revai.callbacksSent
        #expect(calls.count == chunks && calls.allSatisfy { $0.status == 200 }, "\(calls)")
        // One token per chunk, unguessable (256 random bits in base64url).
        let tokens = Set(calls.map { $0.url.components(separatedBy: "/v1/callbacks/revai/").last ?? "" })
        #expect(tokens.count == chunks && tokens.allSatisfy { $0.count == 43 }, "\(tokens)")
        #expect(calls.allSatisfy { $0.url.hasPrefix(server.base + "/v1/callbacks/revai/") })

        // Each call is in the job's history, with Rev.ai's job id and status.
        let page = try await server.request("GET", "/v1/jobs/\(id)/events?order=asc&limit=200", key: key).object()
        let received = (page["events"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "callback.received" }
        #expect(received.count == chunks)
        #expect(received.allSatisfy { ($0["payload"] as? [String: Any])?["status"] as? String == "transcribed" })
        #expect(Set(received.compactMap { ($0["payload"] as? [String: Any])?["provider_job_id"] as? String }) == Set(calls.map(\.jobID)))

        // One token per chunk stored (its hash), each called once and closed.
        let rows = try await Self.callbackRows(server)
        #expect(rows.all == chunks && rows.arrived == chunks && rows.closed == chunks, "\(rows)")

        // A used token, a wrong one and an empty-looking one: 404, and no work starts.
        let first = try #require(calls.first)
        let body = ["job": ["id": first.jobID, "status": "transcribed"]]
        let used = try await server.request("POST", String(first.url.dropFirst(server.base.count)), key: nil, json: body)
        #expect(used.status == 404, "\(used.text)")
        #expect(used.header("Content-Type") == "application/problem+json")
        let wrong = try await server.request("POST", "/v1/callbacks/revai/" + String(repeating: "A", count: 43), key: nil, json: body)
        #expect(wrong.status == 404)
        #expect(try await server.request("POST", "/v1/callbacks/revai/x", key: nil, body: Data("not json".utf8)).status == 404)
        let jobs = try await server.request("GET", "/v1/jobs", key: key).object()
        #expect((jobs["jobs"] as? [[String: Any]])?.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func withoutCallbacksTheJobFinishesByPolling(_ kind: StoreKind) async throws {
        var configuration = FakeProviders.Configuration()
        configuration.revai.processingDelay = .seconds(1)
        configuration.revai.callbacks = false  // the fault "never call back"
        let fakes = try await FakeProviders.start(configuration)
        let server = try await Self.start(kind, fakes: fakes, callbackPoll: 1)
        defer { Task { await server.stop(); await fakes.shutdown() } }
        let key = try await server.key(tenant: "acme")
        let id = try await Self.transcribe(server, key: key)

        let job = try await server.waitForJob(id, key: key, timeout: .seconds(120))
        #expect(job["status"] as? String == "succeeded", "\(job["error"] ?? "")")
        #expect(fakes.revai.callbacksSent.isEmpty)
        #expect((fakes.stats(.revai).callsByRoute["GET /jobs/{id}"] ?? 0) >= 1, "\(fakes.stats(.revai).callsByRoute)")
        let page = try await server.request("GET", "/v1/jobs/\(id)/events?order=asc&limit=200", key: key).object()
        #expect(!(page["events"] as? [[String: Any]] ?? []).contains { $0["type"] as? String == "callback.received" })
        // Every chunk's token was registered and, finished by polling, closed: a late call is refused.
        let chunks = (job["steps"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String ?? "").hasPrefix("transcribe/") }.count
        let rows = try await Self.callbackRows(server)
        #expect(chunks >= 2 && rows.all == chunks && rows.arrived == 0 && rows.closed == chunks, "\(rows)")
    }
}

/// A loopback port free now (the server binds it right after; the public URL must name it first).
func freeLoopbackPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
