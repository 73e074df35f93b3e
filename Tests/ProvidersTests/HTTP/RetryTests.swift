import FakeProviders
import Foundation
import Testing

@testable import Providers

struct RetryTests {
    @Test func retriesTransientStatusesUntilSuccess() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.status(503), .status(502), .status(500)], into: .echo)
            let response = try await fixture.echoHTTP().send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            #expect(response.status == 200)
            #expect(fixture.fakes.stats(.echo).calls == 4)
        }
    }

    @Test func retriesDroppedAndTruncatedResponses() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.dropConnection, .truncatedBody], into: .echo)
            let response = try await fixture.echoHTTP().send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            #expect(response.status == 200)
            #expect(fixture.fakes.stats(.echo).calls == 3)
        }
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject(Array(repeating: .status(503), count: 6), into: .echo)
            let retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20))
            let error = await #expect(throws: ProviderError.self) {
                try await fixture.echoHTTP(retry: retry).send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            }
            #expect(error?.status == 503)
            #expect(error?.attempts == 3)
            #expect(fixture.fakes.stats(.echo).calls == 3)
        }
    }

    @Test func honoursRetryAfterSeconds() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.status(429, retryAfter: "1")], into: .echo)
            let elapsed = try await measure {
                _ = try await fixture.echoHTTP().send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            }
            #expect(elapsed >= 1.0)
            #expect(fixture.fakes.stats(.echo).calls == 2)
        }
    }

    @Test func honoursRetryAfterHTTPDate() async throws {
        try await withFakes { fixture in
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            // Whole seconds: the wait is between 1 and 2 s from now.
            let date = formatter.string(from: Date().addingTimeInterval(2))
            fixture.fakes.inject([.status(503, retryAfter: date)], into: .echo)
            let elapsed = try await measure {
                _ = try await fixture.echoHTTP().send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            }
            #expect(elapsed >= 0.9)
        }
    }

    @Test func honoursGeminiRetryDelay() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.status(429, retryDelay: "0.8s")], into: .gemini)
            let gemini = try fixture.gemini()
            let elapsed = try await measure { _ = try await gemini.generateText("hello") }
            #expect(elapsed >= 0.8)
            #expect(fixture.fakes.stats(.gemini).calls == 2)
        }
    }

    @Test func nonIdempotentRequestIsNotResentAfterServerError() async throws {
        try await withFakes { fixture in
            for fault in [Fault.status(500), .dropConnection, .truncatedBody] {
                fixture.fakes.resetStats()
                fixture.fakes.inject([fault], into: .echo)
                let request = HTTPRequest(method: "POST", url: fixture.echoURL, body: .bytes(Data("job".utf8)))
                #expect(!request.isIdempotent)
                await #expect(throws: ProviderError.self) { try await fixture.echoHTTP().send(request, operation: "submit") }
                #expect(fixture.fakes.stats(.echo).calls == 1, "fault \(fault)")
            }
        }
    }

    @Test func nonIdempotentRequestIsResentAfter429() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.status(429)], into: .echo)
            let request = HTTPRequest(method: "POST", url: fixture.echoURL, body: .bytes(Data("job".utf8)))
            let response = try await fixture.echoHTTP().send(request, operation: "submit")
            #expect(response.status == 200)
            #expect(fixture.fakes.stats(.echo).calls == 2)
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await withFakes { fixture in
            fixture.fakes.inject([.status(400)], into: .echo)
            let error = await #expect(throws: ProviderError.self) {
                try await fixture.echoHTTP().send(HTTPRequest(url: fixture.echoURL), operation: "echo")
            }
            #expect(error?.status == 400)
            #expect(fixture.fakes.stats(.echo).calls == 1)
        }
    }

    @Test(arguments: 1...8) func backoffStaysWithinCap(attempt: Int) {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(2))
        let cap = min(2.0, 0.1 * pow(2, Double(attempt - 1)))
        for _ in 0..<50 {
            let delay = policy.backoff(afterAttempt: attempt) / .seconds(1)
            #expect(delay >= 0 && delay <= cap)
        }
    }

    @Test func parsesRetryHints() {
        #expect(RetryPolicy.parseRetryAfter("3") == .seconds(3))
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: Date(timeIntervalSince1970: 784_111_767)) == .seconds(10))
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        #expect(RetryPolicy.parseProtobufDuration("57.5s") == .milliseconds(57_500))
        #expect(RetryPolicy.parseProtobufDuration("37") == nil)
        #expect(RetryPolicy().delay(afterAttempt: 1, retryAfter: .seconds(600)) == nil)  // too long: fail instead
    }
}
