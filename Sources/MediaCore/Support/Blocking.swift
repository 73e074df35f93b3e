import Foundation

/// Runs blocking C work (FFmpeg decoding and encoding) on a dedicated thread, off Swift's
/// cooperative pool, and resumes the caller with its result. Callers bound how many run at
/// once (see `ChunkBatch`), so the number of such threads is bounded too.
package func runOnDedicatedThread<T: Sendable>(
    name: String = "mediacore", _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }
}
