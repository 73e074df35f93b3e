import Foundation

/// Retries a store operation while the database is unreachable (a restart, a network blip), so
/// that a worker rides through it instead of failing its jobs. Other errors pass through.
enum StoreRetry {
    /// How long a worker keeps trying before giving up on an operation.
    static let patience: Duration = .seconds(120)

    static func run<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + patience
        var delay: Duration = .milliseconds(100)
        while true {
            do {
                return try await operation()
            } catch let error as StoreError where error.isConnectionLost && ContinuousClock.now < deadline {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
