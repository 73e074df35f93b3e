import Foundation

/// Our own transcript schema (written as `transcript.json`): words with start/end seconds,
/// speaker and confidence, whatever service produced them.
public struct Transcript: Codable, Sendable, Equatable {
    public struct Word: Codable, Sendable, Equatable {
        public var text: String
        public var start: Double
        public var end: Double
        /// Speaker label from diarization (Rev.ai), nil when the service gives none.
        public var speaker: Int?
        /// 0…1, nil when the service gives none.
        public var confidence: Double?

        public init(text: String, start: Double, end: Double, speaker: Int? = nil, confidence: Double? = nil) {
            self.text = text
            self.start = start
            self.end = end
            self.speaker = speaker
            self.confidence = confidence
        }
    }

    /// `revai` or `openai`.
    public var engine: String
    public var language: String?
    /// Seconds of audio, when the service reports it.
    public var duration: Double?
    /// The full text with punctuation as the service returned it.
    public var text: String
    public var words: [Word]

    public init(engine: String, language: String?, duration: Double?, text: String, words: [Word]) {
        self.engine = engine
        self.language = language
        self.duration = duration
        self.text = text
        self.words = words
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Where a transcription comes from: Rev.ai or an OpenAI-compatible (Whisper) server.
public protocol Transcriber: Sendable {
    /// Transcribes the audio file at `path`.
    /// - Throws: `ProviderError`.
    func transcribe(file path: String, language: String?) async throws -> Transcript
}
