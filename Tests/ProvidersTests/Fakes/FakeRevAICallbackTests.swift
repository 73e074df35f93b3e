import Basics
import FakeProviders
import Foundation
import Testing

@testable import Providers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fake Rev.ai calls back like the real one (reference §1.9): when a job ends it POSTs
/// `{"job": <Job>}` to `notification_config.url` with the `auth_headers` given, and retries an
/// answer other than 200.
@Suite struct FakeRevAICallbackTests {
    @Test func finishedJobsCallBackWithTheirAuthHeaders() async throws {
        let receiver = try RawReceiver(answers: [503, 200, 200])
        defer { receiver.stop() }
        try await withFakes({ $0.revai.processingDelay = .milliseconds(200); $0.revai.callbackRetryDelay = .milliseconds(100) }) { fixture in
            let rev = try fixture.revai()
            fixture.fakes.revai.script([.transcribed(afterPolls: 0), .failed(failure: "invalid_media", detail: "Media file is invalid", afterPolls: 0)])
            var options = RevJobOptions()
            options.notificationConfig = .init(url: receiver.base + "/hooks/rev?chunk=1", authHeaders: ["Authorization": "Bearer cb-secret"])
            let good = try await rev.submit(url: "https://media.example.com/a.mp3", options: options)
            let bad = try await rev.submit(url: "https://media.example.com/b.mp3", options: options)

            let requests = try await receiver.waitFor(count: 3)
            #expect(requests.allSatisfy { $0.line == "POST /hooks/rev?chunk=1 HTTP/1.1" })
            #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer cb-secret" && $0.headers["content-type"] == "application/json" })
            let jobs = requests.compactMap { request in
                ((try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any])?["job"] as? [String: Any]
            }
            #expect(jobs.count == 3)
            // The first call answered was refused (503), so it came again; each job ends once.
            let byID = Dictionary(grouping: jobs) { $0["id"] as? String ?? "" }
            #expect(byID[good.id]?.allSatisfy { $0["status"] as? String == "transcribed" } == true)
            #expect(byID[bad.id]?.first?["status"] as? String == "failed")
            #expect(byID[bad.id]?.first?["failure"] as? String == "invalid_media")
            #expect(byID.values.map(\.count).sorted() == [1, 2])
            // The fake records each call once its answer is read, a moment after the receiver saw it.
            var sent = fixture.fakes.revai.callbacksSent
            for _ in 0..<200 where sent.compactMap(\.status).count < 3 {
                try await Task.sleep(for: .milliseconds(50))
                sent = fixture.fakes.revai.callbacksSent
            }
            #expect(sent.compactMap(\.status).sorted() == [200, 200, 503], "\(sent)")
            #expect(sent.filter { $0.status == 503 }.allSatisfy { $0.attempt == 1 } && sent.filter { $0.attempt == 2 }.count == 1)
            // No poll was needed for the jobs to end.
            #expect(fixture.fakes.stats(.revai).callsByRoute["GET /jobs/{id}"] == nil)
        }
    }

    @Test func neverCallBackIsAFault() async throws {
        let receiver = try RawReceiver(answers: [200])
        defer { receiver.stop() }
        try await withFakes({ $0.revai.callbacks = false; $0.revai.processingDelay = .milliseconds(50) }) { fixture in
            let rev = try fixture.revai()
            var options = RevJobOptions()
            options.notificationConfig = .init(url: receiver.base + "/cb")
            let job = try await rev.submit(url: "https://media.example.com/a.mp3", options: options)
            let done = try await rev.waitForCompletion(job.id)  // polling still works
            #expect(done.status == .transcribed)
            #expect(fixture.fakes.revai.callbacksSent.isEmpty)
            #expect(receiver.requests.isEmpty)
        }
    }
}

/// A loopback HTTP/1.1 receiver on raw sockets (one request per connection), answering the
/// statuses given in turn (then 200); it records each request's line, headers and body.
final class RawReceiver: Sendable {
    struct Request: Sendable {
        var line: String
        var headers: [String: String]
        var body: Data
    }

    let base: String
    private let fd: Int32
    private let state: Locked<(answers: [Int], requests: [Request])>

    init(answers: [Int]) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw POSIXError(.EADDRNOTAVAIL) }
        self.fd = fd
        base = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        state = Locked((answers, []))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var requests: [Request] { state.withLock { $0.requests } }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// Waits (up to 10 s) until `count` requests came.
    func waitFor(count: Int) async throws -> [Request] {
        let deadline = ContinuousClock.now + .seconds(10)
        while requests.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return requests
    }

    private func acceptLoop() {
        while true {
            let connection = accept(fd, nil, nil)
            guard connection >= 0 else { return }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var request: Request?
        while request == nil {
            let n = read(connection, &buffer, buffer.count)
            guard n > 0 else { return }
            data.append(contentsOf: buffer[0..<n])
            guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for field in head.dropFirst() {
                guard let colon = field.firstIndex(of: ":") else { continue }
                headers[field[..<colon].lowercased()] = field[field.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard data.count - end.upperBound >= length else { continue }
            request = Request(line: head.first ?? "", headers: headers, body: Data(data[end.upperBound..<(end.upperBound + length)]))
        }
        guard let request else { return }
        let status = state.withLock { state -> Int in
            state.requests.append(request)
            return state.answers.isEmpty ? 200 : state.answers.removeFirst()
        }
        let answer = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = answer.withCString { write(connection, $0, strlen($0)) }
    }
}
