import Dispatch

/// Runs blocking file-system work (hashing, copying) on a Dispatch worker thread so it never
/// occupies Swift's cooperative pool (STYLE.md "Concurrency").
package enum BlockingIO {
    package static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
