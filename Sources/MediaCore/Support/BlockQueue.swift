import Foundation

/// A bounded hand-off of sample blocks from one producer thread to one consumer thread.
/// `put` blocks while the queue is full (back-pressure), `take` while it is empty; either side
/// can end the exchange with an error, which the other side then sees.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition`
/// is locked.
final class BlockQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocks: [[Float]] = []
    private let capacity: Int
    private var finished = false
    private var failure: (any Error)?

    init(capacity: Int) { self.capacity = capacity }

    /// Adds a block, waiting for room. Throws the consumer's error if it gave up.
    func put(_ block: [Float]) throws {
        condition.lock()
        defer { condition.unlock() }
        while blocks.count >= capacity && failure == nil { condition.wait() }
        if let failure { throw failure }
        blocks.append(block)
        condition.broadcast()
    }

    /// The next block, or nil once the producer has finished and everything was taken.
    /// Throws the producer's error.
    func take() throws -> [Float]? {
        condition.lock()
        defer { condition.unlock() }
        while blocks.isEmpty && !finished && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard !blocks.isEmpty else { return nil }
        let block = blocks.removeFirst()
        condition.broadcast()
        return block
    }

    /// Marks the end of the stream (nil) or a failure on either side.
    func finish(_ error: (any Error)? = nil) {
        condition.lock()
        if let error, failure == nil { failure = error }
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Moves a value that is not `Sendable` to another thread. `@unchecked Sendable`: the sender
/// stops touching the value once it is handed over, until the receiving thread has finished.
struct HandOver<Value>: @unchecked Sendable {
    let value: Value
}

extension AudioDecoder {
    /// Decodes on a second thread while `consume` runs on the calling thread, so decoding and
    /// what follows it (chunking, encoding, writing) overlap on two cores. Blocks pass through
    /// a bounded queue, so memory stays flat. Returns the frames decoded.
    /// - Throws: the first error of either side.
    func decodePipelined(blockFrames: Int = 8192, depth: Int = 8,
                         _ consume: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Int64 {
        let queue = BlockQueue(capacity: depth)
        let done = DispatchSemaphore(value: 0)
        let result = HandOver(value: ResultBox())
        let decoder = HandOver(value: self)
        let thread = Thread {
            do {
                result.value.frames = try decoder.value.decode(blockFrames: blockFrames) { try queue.put(Array($0)) }
                queue.finish()
            } catch {
                queue.finish(error)
            }
            done.signal()
        }
        thread.name = "decode"
        thread.stackSize = 1 << 20
        thread.start()
        defer { done.wait() }
        do {
            while let block = try queue.take() {
                try block.withUnsafeBufferPointer { try consume($0) }
            }
        } catch {
            queue.finish(error)
            interrupt.cancel()
            throw error
        }
        done.wait()
        done.signal()
        return result.value.frames
    }
}

private final class ResultBox {
    var frames: Int64 = 0
}
