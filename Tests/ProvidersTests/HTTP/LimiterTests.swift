import FakeProviders
import Foundation
import Testing

@testable import Providers

struct LimiterTests {
    @Test(arguments: [1, 3, 5]) func concurrencyLimitIsRespected(limit: Int) async throws {
        try await withFakes { fixture in
            fixture.fakes.setLatency(.milliseconds(300), for: .echo)
            let http = fixture.echoHTTP(limits: .init(maxConcurrent: limit))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 { group.addTask { _ = try await http.send(HTTPRequest(url: fixture.echoURL), operation: "echo") } }
                try await group.waitForAll()
            }
            #expect(fixture.fakes.stats(.echo).peakConcurrency == limit)
            #expect(fixture.fakes.stats(.echo).calls == 12)
        }
    }

    @Test func rateLimitSpacesRequests() async throws {
        try await withFakes { fixture in
            let http = fixture.echoHTTP(limits: .init(maxConcurrent: 10, requestsPerSecond: 5, burst: 1))
            let elapsed = try await measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<6 { group.addTask { _ = try await http.send(HTTPRequest(url: fixture.echoURL), operation: "echo") } }
                    try await group.waitForAll()
                }
            }
            // One token at once, then one every 200 ms: the sixth starts after ~1 s.
            #expect(elapsed >= 0.95)
        }
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.hang], into: .echo)
            let http = fixture.echoHTTP(limits: .init(maxConcurrent: 1))
            let holder = Task { try await http.send(HTTPRequest(url: fixture.echoURL, timeout: .seconds(20)), operation: "echo") }
            let deadline = ContinuousClock.now + .seconds(10)
            while fixture.fakes.stats(.echo).calls < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let waiter = Task { try await http.send(HTTPRequest(url: fixture.echoURL), operation: "echo") }
            try await Task.sleep(for: .milliseconds(100))
            waiter.cancel()
            let error = await #expect(throws: ProviderError.self) { try await waiter.value }
            #expect(error?.kind == .cancelled)
            #expect(fixture.fakes.stats(.echo).calls == 1)  // the waiter never reached the server
            holder.cancel()
            _ = await holder.result
        }
    }
}
