/// Where chunks may be cut.
public enum SplitMode: String, Codable, Sendable, CaseIterable {
    /// At the quietest point of the last silence before the maximum length.
    case silence
    /// Every `maxSeconds`, exactly.
    case fixed
}

/// Why a chunk ends where it does.
public enum CutReason: String, Codable, Sendable {
    /// At the quietest point of a silence.
    case silence
    /// Hard, at the maximum length: no silence was in reach.
    case max
    /// At the end of the input.
    case end
}

/// How to split a stream into chunks. Durations are in seconds; they are turned into exact
/// sample counts at the stream's rate.
public struct ChunkingOptions: Codable, Sendable, Equatable {
    public var maxSeconds: Double = 600
    public var minSeconds: Double = 0
    public var splitAt: SplitMode = .silence
    /// A 10 ms window whose RMS level is below this (dBFS) is silent.
    public var silenceThresholdDB: Double = -40
    /// A silence must last at least this long to be a cut candidate.
    public var minSilenceSeconds: Double = 0.3
    /// Each chunk after the first starts this long before the previous one ended.
    public var overlapSeconds: Double = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxSeconds = "max_seconds", minSeconds = "min_seconds", splitAt = "split_at"
        case silenceThresholdDB = "silence_threshold_db", minSilenceSeconds = "min_silence_seconds"
        case overlapSeconds = "overlap_seconds"
    }

    /// - Throws: `MediaError.invalidArgument` naming the option that cannot work.
    public func validate() throws {
        func bad(_ reason: String) -> MediaError { MediaError(.invalidArgument, path: nil, reason: reason) }
        guard maxSeconds.isFinite, maxSeconds >= 0.1 else { throw bad("--max-seconds must be at least 0.1") }
        guard minSeconds.isFinite, minSeconds >= 0, minSeconds <= maxSeconds else {
            throw bad("--min-seconds must be between 0 and --max-seconds")
        }
        guard overlapSeconds.isFinite, overlapSeconds >= 0, overlapSeconds * 2 < maxSeconds else {
            throw bad("--overlap-seconds must be at least 0 and less than half of --max-seconds")
        }
        guard silenceThresholdDB.isFinite, silenceThresholdDB < 0 else { throw bad("--silence-threshold-db must be below 0 dBFS") }
        guard minSilenceSeconds.isFinite, minSilenceSeconds > 0 else { throw bad("--min-silence-seconds must be above 0") }
    }
}

/// One chunk's place in the stream: frames `[startFrame, endFrame)` at the stream's rate.
public struct ChunkBoundary: Sendable, Equatable, Codable {
    public var index: Int
    public var startFrame: Int64
    public var endFrame: Int64
    public var cut: CutReason
    public var frames: Int64 { endFrame - startFrame }
}

/// Receives the chunks a `Chunker` produces, in order: `beginChunk`, `write`s, `endChunk`.
public protocol ChunkSink: AnyObject {
    func beginChunk(index: Int, startFrame: Int64) throws
    func write(_ samples: UnsafeBufferPointer<Float>) throws
    func endChunk(_ boundary: ChunkBoundary) throws
}
