import Foundation
internal import CFFmpeg

/// A bounded hand-off from one producer thread to one consumer thread. `put` blocks while the
/// queue is full (back-pressure), `take` while it is empty; either side can end the exchange
/// with an error, which the other side then sees.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition`
/// is locked, and elements are handed from one thread to the other, never shared.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var finished = false
    private var failure: (any Error)?

    init(capacity: Int) { self.capacity = capacity }

    /// Adds an item, waiting for room. Throws the consumer's error if it gave up.
    func put(_ item: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && failure == nil { condition.wait() }
        if let failure { throw failure }
        items.append(item)
        condition.broadcast()
    }

    /// The next item, or nil once the producer has finished and everything was taken.
    /// Throws the producer's error.
    func take() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !finished && failure == nil { condition.wait() }
        if let failure { throw failure }
        guard items.count > head else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// Marks the end of the stream (nil) or a failure on either side; returns what was still
    /// queued, so its owner can release it.
    @discardableResult
    func finish(_ error: (any Error)? = nil) -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        if let error, failure == nil { failure = error }
        finished = true
        condition.broadcast()
        guard error != nil else { return [] }
        let left = Array(items[head...])
        items.removeAll()
        head = 0
        return left
    }
}

/// Moves a value that is not `Sendable` to another thread. `@unchecked Sendable`: the sender
/// stops touching the value once it is handed over, until the receiving thread has finished.
struct HandOver<Value>: @unchecked Sendable {
    let value: Value
}

/// Decoded frames travelling from the decode thread to the resampling thread, in batches.
private typealias FrameBatch = [UnsafeMutablePointer<AVFrame>]

private func free(_ batch: FrameBatch) {
    for frame in batch {
        var f: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&f)
    }
}

extension AudioDecoder {
    /// Demuxes and decodes on a second thread while resampling and `consume` run on the
    /// calling thread, so the two halves of the work overlap on two cores. Decoded frames pass
    /// through a bounded queue, so memory stays flat. Returns the frames delivered.
    /// - Throws: the first error of either side.
    func decodePipelined(blockFrames: Int = 8192, depth: Int = 16,
                         _ consume: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Int64 {
        let queue = BoundedQueue<HandOver<FrameBatch>>(capacity: depth)
        let done = DispatchSemaphore(value: 0)
        let decoder = HandOver(value: self)
        let thread = Thread {
            var batch: FrameBatch = []
            do {
                try decoder.value.forEachFrame { frame in
                    guard let moved = av_frame_alloc() else {
                        throw MediaError(.decodeFailed, path: decoder.value.info.path, reason: "out of memory")
                    }
                    av_frame_move_ref(moved, frame)
                    batch.append(moved)
                    if batch.count == 8 {
                        try queue.put(HandOver(value: batch))
                        batch = []
                    }
                }
                if !batch.isEmpty { try queue.put(HandOver(value: batch)) }
                queue.finish()
            } catch {
                free(batch)
                queue.finish(error).forEach { free($0.value) }
            }
            done.signal()
        }
        thread.name = "decode"
        thread.stackSize = 1 << 20
        thread.start()
        defer { done.wait() }

        var blocks = BlockAssembler(channels: output.channels, blockFrames: blockFrames)
        do {
            while let batch = try queue.take() {
                defer { free(batch.value) }
                for frame in batch.value {
                    try resample(frame, into: &blocks)
                    try blocks.deliver(force: false, to: consume)
                }
            }
        } catch {
            queue.finish(error).forEach { free($0.value) }
            interrupt.cancel()
            throw error
        }
        return try finishResampling(&blocks, consume)
    }
}
