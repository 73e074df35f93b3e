/// Splits a stream of interleaved Float samples into chunks, streaming: samples go to the
/// sink as soon as no later cut can place them in another chunk, so memory holds only the
/// audio since the last candidate silence (at most `maxSeconds`) plus the overlap.
///
/// Cut rule (`.silence`): when a chunk reaches `maxSeconds`, it ends at the quietest 10 ms
/// window of the latest silence (≥ `minSilenceSeconds` below the threshold) whose cut point
/// leaves the chunk at least `minSeconds` (and longer than the overlap); a silence that holds
/// the chunk's start (leading silence, or the silence of the previous cut) is not a candidate.
/// With no candidate the chunk ends hard at `maxSeconds`. The input's end closes the last
/// chunk, so trailing silence stays in it. Boundaries are exact frame positions; without
/// overlap the chunks together hold every frame once.
public final class Chunker {
    public let options: ChunkingOptions
    public let format: AudioFormat
    /// The chunks ended so far.
    public private(set) var boundaries: [ChunkBoundary] = []
    /// Frames received so far.
    public private(set) var position: Int64 = 0
    /// Most frames held at once (for memory checks).
    public private(set) var peakHeldFrames = 0

    private let sink: any ChunkSink
    private let maxFrames: Int64
    private let minFrames: Int64
    private let overlapFrames: Int64
    private var silence: SilenceTracker
    private var chunkStart: Int64 = 0
    private var lastCut: Int64 = 0
    private var written: Int64 = 0
    private var chunkOpen = false
    /// The chunk reached `maxSeconds`; it is cut when more input arrives, so that an input
    /// ending exactly there closes it as `.end` rather than `.max`.
    private var cutPending = false
    /// Samples of frames `[heldStart, position)` live at `held[heldHead...]`.
    private var held: [Float] = []
    private var heldHead = 0
    private var heldStart: Int64 = 0

    /// - Throws: `MediaError.invalidArgument` for options that cannot work.
    public init(options: ChunkingOptions, format: AudioFormat, sink: any ChunkSink) throws {
        try options.validate()
        try format.validate()
        self.options = options
        self.format = format
        self.sink = sink
        let rate = Double(format.sampleRate)
        maxFrames = Int64((options.maxSeconds * rate).rounded(.down))
        overlapFrames = Int64((options.overlapSeconds * rate).rounded())
        minFrames = max(Int64((options.minSeconds * rate).rounded()), overlapFrames + 1)
        silence = SilenceTracker(sampleRate: format.sampleRate, channels: format.channels,
                                 thresholdDB: options.silenceThresholdDB, minSilenceSeconds: options.minSilenceSeconds)
    }

    /// Takes the next interleaved samples (a whole number of frames).
    public func append(_ samples: UnsafeBufferPointer<Float>) throws {
        let channels = format.channels
        precondition(samples.count % channels == 0, "partial frame")
        var offset = 0
        while offset < samples.count {
            if cutPending {
                cutPending = false
                try cut(at: decideCut())
            }
            let untilDecision = Int(chunkStart + maxFrames - position)
            let frames = min((samples.count - offset) / channels, untilDecision)
            let piece = UnsafeBufferPointer(rebasing: samples[offset..<(offset + frames * channels)])
            held.append(contentsOf: piece)
            if options.splitAt == .silence { silence.add(piece) }
            position += Int64(frames)
            offset += frames * channels
            peakHeldFrames = max(peakHeldFrames, (held.count - heldHead) / channels)
            if position == chunkStart + maxFrames { cutPending = true }
            try commit(upTo: safeFrame())
        }
    }

    /// Ends the last chunk at the end of the input. Returns every chunk's boundary.
    @discardableResult
    public func finish() throws -> [ChunkBoundary] {
        cutPending = false  // the input ended exactly at the maximum: the chunk is whole
        if position > lastCut || (boundaries.isEmpty && position > 0) {
            try commit(upTo: position)
            try closeChunk(at: position, reason: .end)
        }
        return boundaries
    }

    /// Where the chunk that reached its maximum length ends, and why.
    private func decideCut() -> (Int64, CutReason) {
        let hard = chunkStart + maxFrames
        if options.splitAt == .silence,
           let point = silence.quietestPoint(lowest: chunkStart + minFrames, highest: hard) {
            return (point, .silence)
        }
        return (hard, .max)
    }

    /// The frame before which every sample surely belongs to the current chunk: the cut can
    /// fall no earlier than the latest qualified silence, the silence in progress, or the
    /// window being filled, and no earlier than the minimum length.
    private func safeFrame() -> Int64 {
        if options.splitAt == .fixed { return position }
        var bound = position - Int64(silence.partialFrames)
        if let run = silence.runStart {
            let start = Int64(run * silence.windowFrames)
            if start > silence.notBefore { bound = min(bound, start) }
        }
        if let qualified = silence.latestQualifiedStart { bound = min(bound, qualified) }
        return max(bound, min(position, chunkStart + minFrames))
    }

    private func cut(at decision: (Int64, CutReason)) throws {
        let (frame, reason) = decision
        try commit(upTo: frame)
        try closeChunk(at: frame, reason: reason)
        lastCut = frame
        chunkStart = frame - overlapFrames
        written = chunkStart
        silence.restart(afterCutAt: frame)
    }

    private func closeChunk(at frame: Int64, reason: CutReason) throws {
        let boundary = ChunkBoundary(index: boundaries.count, startFrame: chunkStart, endFrame: frame, cut: reason)
        try sink.endChunk(boundary)
        boundaries.append(boundary)
        chunkOpen = false
    }

    /// Sends frames `[written, frame)` to the current chunk and forgets what no chunk needs.
    private func commit(upTo frame: Int64) throws {
        let channels = format.channels
        if frame > written {
            if !chunkOpen {
                try sink.beginChunk(index: boundaries.count, startFrame: chunkStart)
                chunkOpen = true
            }
            let from = heldHead + Int(written - heldStart) * channels
            let to = heldHead + Int(frame - heldStart) * channels
            try held.withUnsafeBufferPointer { try sink.write(UnsafeBufferPointer(rebasing: $0[from..<to])) }
            written = frame
        }
        let keepFrom = max(heldStart, written - overlapFrames)
        heldHead += Int(keepFrom - heldStart) * channels
        heldStart = keepFrom
        if heldHead > 1 << 16 && heldHead * 2 > held.count {
            held.removeFirst(heldHead)
            heldHead = 0
        }
    }
}

@available(*, unavailable)
extension Chunker: Sendable {}
