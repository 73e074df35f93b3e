/// What `runner chunk` writes beside the chunks of one input, as `manifest.json` (contract).
public struct ChunkManifest: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int64
        /// Container name as FFmpeg reports it.
        public var format: String
        public var codec: String
        /// Duration of the audio actually decoded (frames at the output rate ÷ rate).
        public var durationSeconds: Double
        /// Duration the container declares, which a damaged file may overstate.
        public var declaredDurationSeconds: Double?
        public var sampleRate: Int
        public var channels: Int
        /// The index of the audio stream decoded (FFmpeg's best one), and how many audio streams
        /// the file holds: a file with several tracks says which one was used.
        public var audioStreamIndex: Int?
        public var audioStreams: Int?

        enum CodingKeys: String, CodingKey {
            case path, sha256, bytes, format, codec, channels
            case durationSeconds = "duration_seconds"
            case declaredDurationSeconds = "declared_duration_seconds"
            case sampleRate = "sample_rate"
            case audioStreamIndex = "audio_stream_index", audioStreams = "audio_streams"
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var format: AudioFileFormat
        public var sampleRate: Int
        public var channels: Int
        public var bitRate: Int?

        enum CodingKeys: String, CodingKey {
            case format, channels
            case sampleRate = "sample_rate"
            case bitRate = "bit_rate"
        }
    }

    public struct Chunk: Codable, Sendable, Equatable {
        public var index: Int
        /// File name, relative to the manifest's folder.
        public var path: String
        public var startSample: Int64
        public var endSample: Int64
        public var startSeconds: Double
        public var endSeconds: Double
        public var durationSeconds: Double
        public var cut: CutReason
        public var bytes: Int64
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case index, path, cut, bytes, sha256
            case startSample = "start_sample", endSample = "end_sample"
            case startSeconds = "start_seconds", endSeconds = "end_seconds"
            case durationSeconds = "duration_seconds"
        }
    }

    public var source: Source
    public var output: Output
    public var options: ChunkingOptions
    public var chunks: [Chunk]
    /// Problems that did not stop the work (damaged packets, a truncated end).
    public var warnings: [String]
}
