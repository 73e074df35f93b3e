import FakeProviders
import Foundation
import Testing

@testable import Providers

struct HTTPClientTests {
    @Test func postsBodyFromMemory() async throws {
        try await withFakes { fixture in
            let body = Data((0..<10_000).map { UInt8($0 % 251) })
            let response = try await fixture.client.send(HTTPRequest(method: "POST", url: fixture.echoURL, body: .bytes(body)))
            let echo = try #require(JSONValue.decode(response.body))
            #expect(response.status == 200)
            #expect(echo["length"] == .number(10_000))
            #expect(echo["fnv"]?.stringValue == FakeEcho.fnv(body))
            #expect(echo["method"] == "POST")
        }
    }

    @Test(arguments: [(Int64(0), Int64?.none), (1000, 50_000), (999_000, 5_000)])
    func streamsFileSlice(offset: Int64, length: Int64?) async throws {
        try await withFakes { fixture in
            let data = FakeEcho.bytes(1_000_000)
            let path = try temporaryFile(data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let response = try await fixture.client.send(HTTPRequest(
                method: "PUT", url: fixture.echoURL, body: .file(path: path, offset: offset, length: length)))
            let expected = data[Int(offset)..<Int(min(Int64(data.count), offset + (length ?? Int64(data.count))))]
            let echo = try #require(JSONValue.decode(response.body))
            #expect(echo["length"] == .number(Double(expected.count)))
            #expect(echo["fnv"]?.stringValue == FakeEcho.fnv(Data(expected)))
            #expect(echo["method"] == "PUT")
        }
    }

    @Test func sendsMultipartWithStreamedFilePart() async throws {
        try await withFakes { fixture in
            let data = FakeEcho.bytes(300_000)
            let path = try temporaryFile(data, suffix: ".wav")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let response = try await fixture.client.send(HTTPRequest(method: "POST", url: fixture.echoURL, body: .multipart([
                MultipartPart(name: "media", content: .file(path: path), filename: "a.wav", contentType: "audio/wav"),
                .field("options", #"{"metadata":"x"}"#),
            ])))
            let parts = try #require(JSONValue.decode(response.body)?["parts"]?.arrayValue)
            #expect(parts.count == 2)
            #expect(parts.first?["name"] == "media")
            #expect(parts.first?["filename"] == "a.wav")
            #expect(parts.first?["fnv"]?.stringValue == FakeEcho.fnv(data))
            #expect(parts.last?["length"] == .number(16))
        }
    }

    @Test func streamsResponseToFileAndEnforcesMemoryLimit() async throws {
        try await withFakes { fixture in
            let path = NSTemporaryDirectory() + "providers-test-\(UUID().uuidString).out"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let url = fixture.fakes.baseURL + "/_bytes?n=2000000"
            let response = try await fixture.client.send(HTTPRequest(url: url, response: .file(path: path)))
            #expect(response.bodyLength == 2_000_000)
            #expect(response.body.isEmpty)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == FakeEcho.bytes(2_000_000))
            #expect(response.headers["CONTENT-TYPE"] == "application/octet-stream")
            let error = await #expect(throws: HTTPError.self) {
                try await fixture.client.send(HTTPRequest(url: url, response: .memory(limit: 1000)))
            }
            #expect(error?.kind == .bodyTooLarge)
        }
    }

    @Test func reusesConnections() async throws {
        try await withFakes { fixture in
            for _ in 0..<20 { #expect(try await fixture.client.send(HTTPRequest(url: fixture.echoURL)).status == 200) }
            #expect(fixture.fakes.connectionsAccepted == 1)
            // A non-idempotent request takes a fresh connection (curl never re-sends it silently).
            _ = try await fixture.client.send(HTTPRequest(method: "POST", url: fixture.echoURL, body: .bytes(Data("x".utf8))))
            #expect(fixture.fakes.connectionsAccepted == 2)
        }
    }

    @Test func manyRequestsInFlightAtOnce() async throws {
        try await withFakes { fixture in
            fixture.fakes.setLatency(.milliseconds(300), for: .echo)
            let elapsed = try await measure {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<40 { group.addTask { try await fixture.client.send(HTTPRequest(url: fixture.echoURL)).status } }
                    for try await status in group { #expect(status == 200) }
                }
            }
            // The fake saw them overlap; wall time is left to benchmarks/ (the machine is shared).
            #expect(elapsed > 0.3)
            #expect(fixture.fakes.stats(.echo).peakConcurrency >= 20)
        }
    }

    @Test func cancellationAbortsTransfer() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.hang], into: .echo)
            let task = Task { try await fixture.client.send(HTTPRequest(url: fixture.echoURL, timeout: .seconds(30))) }
            try await Task.sleep(for: .milliseconds(200))
            let elapsed = await measure {
                task.cancel()
                let result = await task.result
                #expect((try? result.get()) == nil)
                if case .failure(let error as HTTPError) = result { #expect(error.kind == .cancelled) }
            }
            #expect(elapsed < 25)  // the transfer itself would wait 30 s
        }
    }

    @Test func failuresMapToKinds() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.hang, .dropConnection, .truncatedBody], into: .echo)
            let timeout = await #expect(throws: HTTPError.self) {
                try await fixture.client.send(HTTPRequest(url: fixture.echoURL, timeout: .milliseconds(300)))
            }
            #expect(timeout?.kind == .timeout)
            let dropped = await #expect(throws: HTTPError.self) { try await fixture.client.send(HTTPRequest(url: fixture.echoURL)) }
            #expect(dropped?.kind == .connectionLost)
            let truncated = await #expect(throws: HTTPError.self) { try await fixture.client.send(HTTPRequest(url: fixture.echoURL)) }
            #expect(truncated?.kind == .connectionLost)
            let refused = await #expect(throws: HTTPError.self) { try await fixture.client.send(HTTPRequest(url: "http://127.0.0.1:1/")) }
            #expect(refused?.kind == .connect)
        }
    }

    @Test func survivesMixedFaultsAndCancellations() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject((0..<300).map { index in
                [Fault.dropConnection, .truncatedBody, .status(503), .latency(.milliseconds(50))][index % 4]
            }, into: .echo)
            let body = Data(repeating: 7, count: 20_000)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let task = Task {
                            try await fixture.client.send(HTTPRequest(
                                method: index % 2 == 0 ? "GET" : "PUT", url: fixture.echoURL,
                                body: index % 2 == 0 ? .none : .bytes(body), timeout: .seconds(60)))
                        }
                        if index % 3 == 0 { task.cancel() }
                        return (try? await task.value) != nil
                    }
                }
                var succeeded = 0
                for await ok in group where ok { succeeded += 1 }
                return succeeded
            }
            // Each request ends (answer, error or cancellation); the latency ones mostly succeed.
            #expect(outcomes > 0)
            #expect(outcomes < 300)
            fixture.fakes.clearFaults()  // cancelled requests left some unused
            let after = try await fixture.client.send(HTTPRequest(url: fixture.echoURL))
            #expect(after.status == 200)  // the engine still works
        }
    }
}
