/// Bounded fan-out, the package's one loop for it: runs `body` for every item, at most `limit`
/// at once (fill a task group up to the limit, then start one item per finished one, as
/// swift-nio's `ParallelDirCopy` does), and hands each result to `collect` on the caller's task,
/// in the order they finish. Memory stays bounded by `limit` whatever the number of items.
/// - Throws: the first error of `body` or `collect`; the items still running are cancelled.
package func withBoundedFanOut<Item: Sendable, Result: Sendable>(
    _ items: some Sequence<Item>, limit: Int, _ body: @escaping @Sendable (Item) async throws -> Result,
    collect: (Result) async throws -> Void = { _ in }
) async throws {
    try await withThrowingTaskGroup(of: Result.self) { group in
        var pending = items.makeIterator()
        var running = 0
        func startNext() {
            guard let item = pending.next() else { return }
            group.addTask { try await body(item) }
            running += 1
        }
        for _ in 0..<max(1, limit) { startNext() }
        while running > 0, let result = try await group.next() {
            running -= 1
            try await collect(result)
            startNext()
        }
    }
}

/// The same for work that cannot fail (each item reports its own outcome).
package func withBoundedFanOut<Item: Sendable, Result: Sendable>(
    _ items: some Sequence<Item>, limit: Int, _ body: @escaping @Sendable (Item) async -> Result,
    collect: (Result) async -> Void = { _ in }
) async {
    await withTaskGroup(of: Result.self) { group in
        var pending = items.makeIterator()
        var running = 0
        func startNext() {
            guard let item = pending.next() else { return }
            group.addTask { await body(item) }
            running += 1
        }
        for _ in 0..<max(1, limit) { startNext() }
        while running > 0, let result = await group.next() {
            running -= 1
            await collect(result)
            startNext()
        }
    }
}
