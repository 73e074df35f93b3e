import Basics
import Foundation

/// Drives many GETs through `HTTPClient` with bounded concurrency: the measuring side of
/// `benchmarks/providers.sh` (compared with `curl --parallel` against the same fake).
package enum HTTPLoad {
    package struct Report: Sendable {
        package var requests: Int
        package var failures: Int
        package var bytes: Int64
        package var seconds: Double
        package var requestsPerSecond: Double { Double(requests) / max(seconds, 1e-9) }
    }

    /// Fetches `url` `requests` times, `concurrency` at once, keeping each body in memory or,
    /// with `toDevNull`, streaming it to /dev/null (what `curl -o /dev/null` does).
    package static func run(url: String, requests: Int, concurrency: Int, toDevNull: Bool = false, client: HTTPClient = .shared) async -> Report {
        let destination: ResponseDestination = toDevNull ? .file(path: "/dev/null") : .memory(limit: 1 << 30)
        let start = ContinuousClock.now
        var bytes: Int64 = 0
        var failures = 0
        await withBoundedFanOut(0..<requests, limit: concurrency) { _ -> Int64? in
            guard let response = try? await client.send(HTTPRequest(url: url, response: destination)), response.isSuccess
            else { return nil }
            return response.bodyLength
        } collect: { result in
            if let result { bytes += result } else { failures += 1 }
        }
        return Report(requests: requests, failures: failures, bytes: bytes, seconds: (ContinuousClock.now - start) / .seconds(1))
    }
}
