import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Pipeline
#if canImport(Glibc)
import Glibc
#endif

/// The real `runner serve` process: the database stopped under it, and SIGTERM.
@Suite(.serialized)
struct ServeProcessTests {
    @Test func aStoppedDatabaseAnswers503WithRetryAfterAndServiceResumes() async throws {
        let cluster = try await TestCluster()
        defer { Task { await cluster.shutdown() } }
        let key = try await ServeProcess.createKey(databaseURL: cluster.url)
        let server = try await ServeProcess.start(databaseURL: cluster.url, ["--no-worker"])
        let posted = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "narrate", "input": ["text": "before the outage"]])
        #expect(posted.status == 202, "\(posted.text)")
        let id = try #require(posted.object["id"] as? String)

        await cluster.shutdown()
        for (method, path, body) in [("GET", "/v1/jobs/\(id)", nil), ("GET", "/v1/jobs", nil),
                                     ("POST", "/v1/jobs", ["workflow": "narrate", "input": ["text": "during the outage"]] as [String: Any]?)] {
            let answer = try await server.request(method, path, key: key, json: body)
            #expect(answer.status == 503, "\(method) \(path) with the database down: \(answer.status) \(answer.text)")
            #expect(answer.header("Retry-After").flatMap(Int.init) ?? 0 > 0, "\(method) \(path): no Retry-After")
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(!answer.text.contains("127.0.0.1:\(cluster.port)") && !answer.text.lowercased().contains("select"),
                    "the problem must not show the connection or SQL: \(answer.text)")
        }
        #expect(try await server.request("GET", "/healthz", key: nil).status == 200, "alive while the database is down")
        #expect(try await server.request("GET", "/readyz", key: nil).status == 503, "not ready while the database is down")
        #expect(server.process.isRunning, "the server must not crash: \(server.process.log.suffix(2000))")

        try await cluster.start()
        let back = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
            (try? await server.request("GET", "/v1/jobs/\(id)", key: key).status) == 200
        }
        #expect(back, "service did not resume: \(server.process.log.suffix(2000))")
        #expect(try await server.request("GET", "/readyz", key: nil).status == 200)
        let after = try await server.request("POST", "/v1/jobs", key: key, json: ["workflow": "narrate", "input": ["text": "after the outage"]])
        #expect(after.status == 202, "\(after.text)")
        server.process.signal(SIGTERM)
        #expect(try await server.process.wait(timeout: .seconds(20)) == 0, "\(server.process.log.suffix(2000))")
    }

    @Test func sigtermFinishesTheRequestInFlightClosesStreamsAndExits() async throws {
        let folder = TestEnvironment.scratchDirectory()
        let database = "sqlite:\(folder.path)/runner.sqlite"
        let key = try await ServeProcess.createKey(databaseURL: database)
        let server = try await ServeProcess.start(databaseURL: database, ["--out", folder.appendingPathComponent("out").path,
                                                                           "--shutdown-grace", "10s"])
        let session = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object["id"] as? String)

        // A live event stream, and an upload whose body is half sent when the signal comes.
        let stream = Task { try await server.readEventStream(key: key) }
        let upload = try RawHTTP(port: server.port)
        let size = 256 * 1024
        try upload.send("PUT /v1/uploads/\(session)/files/late.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Authorization: Bearer \(key)\r\nContent-Type: application/octet-stream\r\nContent-Length: \(size)\r\n\r\n")
        try upload.send(Data(repeating: 7, count: size / 2))
        try await Task.sleep(for: .milliseconds(300))

        server.process.signal(SIGTERM)
        let signalled = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(500))
        try upload.send(Data(repeating: 7, count: size - size / 2))
        let reader = DedicatedThread(name: "upload-reader")
        defer { reader.stop() }
        let answer = try await reader.run { try upload.readResponse() }
        #expect(answer.hasPrefix("HTTP/1.1 2"), "the request in flight at SIGTERM must finish: \(answer.prefix(300))")
        #expect(answer.contains("late.bin"))

        let streamed = try await stream.value
        #expect(streamed.ended, "the event stream must end cleanly at shutdown")
        #expect(try await server.process.wait(timeout: .seconds(20)) == 0, "\(server.process.log.suffix(2000))")
        #expect(ContinuousClock.now - signalled < .seconds(12), "exits within the grace period")
        #expect((try? await server.request("GET", "/healthz", key: nil)) == nil, "no longer accepting connections")
        let stored = folder.appendingPathComponent("out").path
        let files = FileManager.default.enumerator(atPath: stored)?.compactMap { $0 as? String } ?? []
        #expect(files.contains { $0.hasSuffix("late.bin") }, "the finished upload is stored: \(files)")
    }

    @Test func twentyParallelUploadsOf200MiBKeepTheServersMemoryFlat() async throws {
        let folder = TestEnvironment.scratchDirectory()
        let database = "sqlite:\(folder.path)/runner.sqlite"
        let key = try await ServeProcess.createKey(databaseURL: database)
        let server = try await ServeProcess.start(databaseURL: database, ["--out", folder.appendingPathComponent("out").path, "--no-worker"])
        let session = try #require(try await server.request("POST", "/v1/uploads", key: key, json: [:]).object["id"] as? String)
        let size = 200 << 20
        let file = folder.appendingPathComponent("big.bin").path
        // A sparse file: 200 MiB of zeros that cost no disk to make.
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        #expect(truncate(file, off_t(size)) == 0)
        #expect(try await server.request("GET", "/healthz", key: nil).status == 200)
        let before = try #require(ServeProcess.memory(pid: server.process.pid))

        let uploads = try (1...20).map { index in
            try RunnerProcess.command("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "600",
                                                      "-H", "Authorization: Bearer \(key)", "-T", file,
                                                      "\(server.base)/v1/uploads/\(session)/files/part\(index).bin"])
        }
        for upload in uploads {
            #expect(try await upload.wait(timeout: .seconds(900)) == 0, "curl: \(upload.log)")
            #expect(upload.log.hasSuffix("201"), "curl: \(upload.log)")
        }
        let after = try #require(ServeProcess.memory(pid: server.process.pid))
        let listed = try await server.request("GET", "/v1/uploads/\(session)", key: key).object
        let files = try #require(listed["files"] as? [[String: Any]])
        #expect(files.count == 20 && files.allSatisfy { $0["bytes"] as? Int == size }, "\(files.count) files")
        // 4 GiB went through; the server's peak resident memory grew by far less than one file.
        let grown = after.peak - before.resident
        #expect(grown < 160 << 20, "peak RSS \(after.peak >> 20) MiB, \(before.resident >> 20) MiB before the uploads")
        print("serve RSS: \(before.resident >> 20) MiB before, peak \(after.peak >> 20) MiB after 20 × 200 MiB uploads")
        server.process.signal(SIGTERM)
        _ = try await server.process.wait(timeout: .seconds(20))
        try? FileManager.default.removeItem(at: folder)
    }
}

/// `runner serve` started as a process on a free port (`--port 0`, the address read from its output).
struct ServeProcess {
    let process: RunnerProcess
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    static func createKey(databaseURL: String) async throws -> String {
        let keys = try RunnerProcess(["keys", "create", "--tenant", "acme", "--database-url", databaseURL], databaseURL: "")
        #expect(try await keys.wait(timeout: .seconds(30)) == 0, "\(keys.log)")
        // The key is its own line on standard output; the notes around it go to standard error.
        return try #require(keys.log.split(separator: "\n").last { $0.hasPrefix("mpk_") }.map(String.init), "no key printed: \(keys.log)")
    }

    static func start(databaseURL: String, _ extra: [String]) async throws -> ServeProcess {
        let process = try RunnerProcess(["serve", "--port", "0", "--database-url", databaseURL] + extra, databaseURL: "")
        var port: Int?
        _ = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
            port = process.log.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) }
            return port != nil || !process.isRunning
        }
        let bound = try #require(port, "runner serve did not start: \(process.log.suffix(2000))")
        return ServeProcess(process: process, port: bound)
    }

    /// The process's resident memory now and at its peak (VmRSS, VmHWM), in bytes.
    static func memory(pid: Int32) -> (resident: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
                .map { $0 * 1024 }
        }
        guard let resident = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (resident, peak)
    }

    struct Answer {
        let status: Int
        let data: Data
        let headers: [String: String]
        var text: String { String(decoding: data, as: UTF8.self) }
        var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:] }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    func request(_ method: String, _ path: String, key: String?, json: [String: Any]? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(status: http.statusCode, data: data, headers: http.allHeaderFields as? [String: String] ?? [:])
    }

    /// Reads `GET /v1/events` as Server-Sent Events until the server ends the stream.
    func readEventStream(key: String) async throws -> (ended: Bool, bytes: Int) {
        let connection = try RawHTTP(port: port)
        try connection.send("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n"
                            + "Accept: text/event-stream\r\n\r\n")
        // recv blocks: on a thread of its own, not the cooperative pool.
        let thread = DedicatedThread(name: "sse-reader")
        defer { thread.stop() }
        let all = try await thread.run { try connection.readToEnd(timeout: .seconds(30)) }
        let text = String(decoding: all.data, as: UTF8.self)
        // A chunked stream that ended properly carries its last chunk; a cut connection does not.
        return (all.closedByPeer && text.hasPrefix("HTTP/1.1 200") && text.hasSuffix("0\r\n\r\n"), all.data.count)
    }
}

/// A plain TCP connection to the server, for requests URLSession cannot pause in the middle of.
final class RawHTTP: @unchecked Sendable {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
    }

    deinit { close(socket) }

    func send(_ text: String) throws { try send(Data(text.utf8)) }

    func send(_ data: Data) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = Glibc.send(socket, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPIPE) }
                offset += sent
            }
        }
    }

    /// Reads one response whose body has a Content-Length.
    func readResponse() throws -> String {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let text = String(decoding: data, as: UTF8.self)
            if let headerEnd = text.range(of: "\r\n\r\n") {
                let length = text[..<headerEnd.lowerBound].firstMatch(of: /(?i)content-length: *(\d+)/).flatMap { Int($0.1) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: headerEnd.upperBound) >= length { return text }
            }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { return text }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Reads until the peer closes the connection (or `timeout`).
    func readToEnd(timeout: Duration) throws -> (data: Data, closedByPeer: Bool) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { return (data, true) }
            if count < 0 { if errno == EAGAIN || errno == EINTR { continue } else { return (data, false) } }
            data.append(contentsOf: buffer[0..<count])
        }
        return (data, false)
    }
}
