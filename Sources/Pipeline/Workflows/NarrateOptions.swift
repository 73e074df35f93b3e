import Foundation
import Providers

/// A `narrate` job's input.
package struct NarrateInput: Codable, Sendable {
    /// Where the text file is in the output store (`inputs/<sha256>/<name>`); nil when the
    /// text is carried in `text`.
    package var sourceKey: String?
    /// The text itself, for a small text posted to the API (see `inlineTextLimit`): no object
    /// to write when the job is created, none to fetch when it runs.
    package var text: String?
    /// The file's name (its extension chooses the reader).
    package var name: String
    /// `espeak` (default), `google`, `openai` or `gemini`.
    package var engine: String?
    package var voice: String?
    package var maxInputChars: Int?
    /// Target segment size; capped by the engine's own limit.
    package var segmentChars: Int?
    /// Extra pause after each chapter, in seconds.
    package var chapterPause: Double?
    /// `educational`, `financial` (Gemini rewrites the segments) or `fictional` (as written).
    package var style: String?
    /// Integrated loudness of the assembled audio, LUFS (nil: −18).
    package var loudnessTarget: Double?
    /// `--segments N`: Gemini proposes about N titled sections, each narrated as a chapter (nil: off).
    package var segments: Int?
    /// A URL the job downloads first (`fetch_url`) into `sourceKey`.
    package var sourceURL: String?
    /// `--pictures N`: pictures spread over the segments (nil or 0: none).
    package var picturesCount: Int?
    /// `gemini` (default) or `imagen`.
    package var imageEngine: String?
    /// `16:9` (default), `1:1`, … as the image engine accepts.
    package var imageAspect: String?
    /// The most pictures a job may ask for (nil: 20).
    package var maxPictures: Int?

    package init(sourceKey: String?, text: String? = nil, name: String, engine: String? = nil, voice: String? = nil, maxInputChars: Int? = nil,
                 segmentChars: Int? = nil, chapterPause: Double? = nil, style: String? = nil, loudnessTarget: Double? = nil, segments: Int? = nil,
                 picturesCount: Int? = nil, imageEngine: String? = nil, imageAspect: String? = nil, maxPictures: Int? = nil) {
        self.segments = segments
        self.picturesCount = picturesCount
        self.imageEngine = imageEngine
        self.imageAspect = imageAspect
        self.maxPictures = maxPictures
        self.style = style
        self.sourceKey = sourceKey
        self.text = text
        self.name = name
        self.engine = engine
        self.voice = voice
        self.maxInputChars = maxInputChars
        self.segmentChars = segmentChars
        self.chapterPause = chapterPause
        self.loudnessTarget = loudnessTarget
    }

    enum CodingKeys: String, CodingKey {
        case sourceKey = "source_key", text, name, engine, voice
        case maxInputChars = "max_input_chars", segmentChars = "segment_chars", chapterPause = "chapter_pause", style
        case loudnessTarget = "loudness_target", segments, sourceURL = "source_url"
        case picturesCount = "pictures_count", imageEngine = "image_engine", imageAspect = "image_aspect", maxPictures = "max_pictures"
    }

    static let defaultMaxPictures = 20
    static let defaultImageAspect = "16:9"

    var pictures: Int { max(0, picturesCount ?? 0) }
    var imageEngineKind: ImageEngineKind { imageEngine.flatMap(ImageEngineKind.init(rawValue:)) ?? .gemini }
    var aspect: String { imageAspect ?? Self.defaultImageAspect }

    /// What is wrong with the picture options, or nil: a count within 0…`max_pictures`, a known
    /// engine and an aspect ratio that engine draws.
    package var pictureProblem: String? {
        let limit = maxPictures ?? Self.defaultMaxPictures
        if let maxPictures, maxPictures < 0 { return "max_pictures must be 0 or more, not \(maxPictures)" }
        if let count = picturesCount, count < 0 { return "pictures_count must be 0 or more, not \(count)" }
        if let count = picturesCount, count > limit {
            return "pictures_count \(count) is over the limit of \(limit) pictures a job (max_pictures)"
        }
        if let engine = imageEngine, ImageEngineKind(rawValue: engine) == nil {
            return "image_engine \(engine) is not one of \(ImageEngineKind.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if !imageEngineKind.aspectRatios.contains(aspect) {
            return "image_aspect \(aspect) is not one \(imageEngineKind.rawValue) draws (\(imageEngineKind.aspectRatios.joined(separator: ", ")))"
        }
        return nil
    }

    /// Texts up to this many UTF-8 bytes travel in the job's input; longer ones go to the store.
    package static let inlineTextLimit = 64 * 1024
    static let defaultMaxInputChars = 500_000
    static let defaultSegmentChars = 1_000
    static let defaultLoudnessTarget = -18.0
    static let maxTruePeak = -1.5

    var narrationStyle: NarrationStyle? { style.flatMap(NarrationStyle.init(rawValue:)) }

    var engineKind: SpeechEngineKind { engine.flatMap(SpeechEngineKind.init(rawValue:)) ?? .espeak }

    /// The segmenter for this engine: Cloud TTS counts UTF-8 bytes (5,000), OpenAI 4,096
    /// characters, Gemini pieces of 3,000; espeak-ng has no limit of its own.
    var segmenter: Segmenter {
        let wanted = max(100, segmentChars ?? Self.defaultSegmentChars)
        var segmenter: Segmenter
        switch engineKind {
        case .google: segmenter = Segmenter(limit: min(wanted, 5_000), measure: .utf8Bytes)
        case .openai: segmenter = Segmenter(limit: min(wanted, 4_096))
        case .gemini: segmenter = Segmenter(limit: min(wanted, GeminiSpeech.maxCharacters))
        case .espeak: segmenter = Segmenter(limit: wanted)
        }
        if let chapterPause { segmenter.chapterPause = max(0, chapterPause) }
        return segmenter
    }

    /// Segments synthesised at once: espeak-ng is serial in process; services have the limiter
    /// of the process's one client (`maxConcurrent` requests in flight), and twice that many
    /// segments keep it full while the other half check, encode and store the clips already
    /// answered. Memory stays bounded: a segment's clip is a few MB.
    func concurrency(_ services: WorkflowServices) -> Int { engineKind == .espeak ? 2 : services.providers.maxConcurrent(engineKind) * 2 }
}

/// Output of the `segment` step.
struct SegmentPlan: Codable, Sendable {
    var segments: [TextSegment]
    var chapterTitles: [String?]
    var title: String?
    var limit: Int
    var measure: Segmenter.Measure
    /// Tagged as the audio's artist (and album artist): what players and audiobook apps show as the author.
    var author: String? = nil
}

/// Output of one `synthesize/<i>` item.
struct SynthesizedSegment: Codable, Sendable {
    var index: Int
    var cacheKey: String
    var duration: Double
    var cached: Bool
    var attempts: Int
    var asset: PublishedAsset
}

/// Output of `assemble`.
struct AssembledAudio: Codable, Sendable {
    var duration: Double
    var spans: [[Double]]
    var chapters: [ChapterMark]
    var assets: [PublishedAsset]
    var loudness: AssembledLoudness
}

/// The loudness of the published audio, as measured (EBU R128) by decoding `audio.mp3`.
struct AssembledLoudness: Codable, Sendable {
    var targetLUFS: Double
    /// nil when the narration was silent.
    var integratedLUFS: Double?
    var truePeakDBTP: Double?
    /// The gain applied before limiting, dB.
    var gainDB: Double
    /// True when the true-peak limiter shaped the peaks (the gain alone would have gone over).
    var peakLimited: Bool
    /// The largest gain reduction the limiter made, dB (0 without limiting; nil in outputs
    /// stored before the limiter existed).
    var limiterMaxReductionDB: Double?

    enum CodingKeys: String, CodingKey {
        case targetLUFS = "target_lufs", integratedLUFS = "integrated_lufs", truePeakDBTP = "true_peak_dbtp"
        case gainDB = "gain_db", peakLimited = "peak_limited", limiterMaxReductionDB = "limiter_max_reduction_db"
    }

    /// As it goes into `manifest.json` (`integrated_lufs` and `true_peak_dbtp` null for silence).
    var manifestValue: JSONValue {
        let optional: (Double?) -> JSONValue = { $0.map { .number(($0 * 100).rounded() / 100) } ?? .null }
        return .object(["target_lufs": .number(targetLUFS), "integrated_lufs": optional(integratedLUFS),
                        "true_peak_dbtp": optional(truePeakDBTP), "gain_db": optional(gainDB), "peak_limited": .bool(peakLimited),
                        "limiter_max_reduction_db": optional(limiterMaxReductionDB)])
    }
}

struct ChapterMark: Codable, Sendable {
    var title: String
    var start: Double
    var end: Double
}
