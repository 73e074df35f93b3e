import NIOPosix

/// Runs blocking file I/O on NIO's bounded thread pool, off the cooperative pool and the event
/// loops (STYLE: blocking calls stay off the cooperative pool, bounded in number).
func blockingRead<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
