import Foundation
import MediaCore
import Providers

/// A `transcribe` job's input. The providers are chosen when the job is enqueued (and are part
/// of its unique key), so the plan of a job never changes between attempts.
package struct TranscribeInput: Codable, Sendable {
    package var sourceKey: String
    package var name: String
    /// `revai`, `openai`, `local`, or nil: probe and chunk only.
    package var transcriber: String?
    package var language: String?
    /// Longest chunk sent to speech-to-text, in seconds.
    package var chunkSeconds: Double?
    /// Summary, tags and embeddings with Gemini.
    package var summarize: Bool?
    /// A multi-file upload (an audiobook): its files in order, each a chapter. Nil: one file
    /// (`sourceKey`, `name`).
    package var parts: [SourcePart]?
    /// Chunks sent at once (default 8; the client adds the provider's own limit).
    package var chunkConcurrency: Int?
    /// Captions also translated into this language (Gemini), e.g. `fr`.
    package var translateTo: String?
    /// A URL the job downloads first (`fetch_url`) into `sourceKey`.
    package var sourceURL: String?

    package init(sourceKey: String, name: String, transcriber: String? = nil, language: String? = nil,
                 chunkSeconds: Double? = nil, summarize: Bool? = nil, parts: [SourcePart]? = nil, chunkConcurrency: Int? = nil,
                 translateTo: String? = nil) {
        self.translateTo = translateTo
        self.parts = parts
        self.chunkConcurrency = chunkConcurrency
        self.sourceKey = sourceKey
        self.name = name
        self.transcriber = transcriber
        self.language = language
        self.chunkSeconds = chunkSeconds
        self.summarize = summarize
    }

    enum CodingKeys: String, CodingKey {
        case sourceKey = "source_key", name, transcriber, language
        case chunkSeconds = "chunk_seconds", summarize, parts, chunkConcurrency = "chunk_concurrency"
        case translateTo = "translate_to", sourceURL = "source_url"
    }

    /// The files to transcribe, in order.
    var sources: [SourcePart] { parts ?? [SourcePart(sourceKey: sourceKey, name: name)] }

    var transcriberKind: TranscriberKind? { transcriber.flatMap(TranscriberKind.init(rawValue:)) }

    /// Rev.ai takes long files; OpenAI-compatible servers take 25 MB (about 12 minutes of
    /// 16 kHz FLAC); 5 minutes keeps chunks small and parallel for both.
    var chunking: ChunkingOptions {
        var options = ChunkingOptions()
        options.maxSeconds = max(5, chunkSeconds ?? 300)
        options.minSeconds = min(options.maxSeconds / 2, 1)
        return options
    }
}

/// One file of a multi-file upload.
package struct SourcePart: Codable, Sendable, Equatable {
    package var sourceKey: String
    package var name: String
    package init(sourceKey: String, name: String) {
        self.sourceKey = sourceKey
        self.name = name
    }
    enum CodingKeys: String, CodingKey { case sourceKey = "source_key", name }
}

struct ProbeResult: Codable, Sendable {
    var duration: Double
    var container: String
    var codec: String
    var sampleRate: Int
    var channels: Int
    /// The audio stream transcribed, and how many the file holds (nil in jobs from older runs).
    var audioStreamIndex: Int? = nil
    var audioStreams: Int? = nil
}

struct ChunkRef: Codable, Sendable {
    var index: Int
    /// Which file of a multi-file upload it comes from.
    var part: Int?
    var key: String
    var start: Double
    var end: Double
    var asset: PublishedAsset
}

/// What `summarize` asks Gemini for.
struct TranscriptSummary: Codable, Sendable {
    var summary: String
    var keyPoints: [String]
    var tags: [String]
    var language: String

    enum CodingKeys: String, CodingKey { case summary, keyPoints = "key_points", tags, language }

    static let schema: JSONValue = [
        "type": "OBJECT",
        "properties": [
            "summary": ["type": "STRING"],
            "key_points": ["type": "ARRAY", "items": ["type": "STRING"]],
            "tags": ["type": "ARRAY", "items": ["type": "STRING"]],
            "language": ["type": "STRING"],
        ],
        "required": ["summary", "key_points", "tags", "language"],
    ]
}

/// One passage of `embeddings.json`.
struct EmbeddedPassage: Codable, Sendable {
    var text: String
    var start: Double
    var end: Double
    var vector: [Float]
}
