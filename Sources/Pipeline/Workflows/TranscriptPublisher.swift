import Foundation
import Providers

/// Output of `merge`.
struct MergedTranscript: Codable, Sendable {
    var words: Int
    var cues: Int
    var transcriptKey: String
    var assets: [PublishedAsset]
}

/// Merges chunk transcripts into one, writes transcript and captions, and (with Gemini) the
/// summary, tags and embeddings.
struct TranscriptPublisher {
    let services: WorkflowServices

    /// Words shifted by their chunk's start; timestamps made monotonic; words of an overlap
    /// (starting before the previous word ended) dropped.
    static func merge(chunks: [ChunkRef], parts: [Transcript]) -> Transcript {
        var words: [Transcript.Word] = []
        var texts: [String] = []
        for (chunk, part) in zip(chunks, parts) {
            texts.append(part.text)
            for var word in part.words {
                word.start += chunk.start
                word.end += chunk.start
                if let last = words.last {
                    if word.start < last.end - 0.05, word.end <= last.end { continue }  // overlap duplicate
                    word.start = max(word.start, last.end)
                    word.end = max(word.end, word.start)
                }
                words.append(word)
            }
        }
        let text = texts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: " ")
        return Transcript(engine: parts.first?.engine ?? "", language: parts.first?.language,
                          duration: chunks.last?.end, text: text, words: words)
    }

    func merge(chunks: [ChunkRef], parts: [Transcript], context: StepContext) async throws -> MergedTranscript {
        let transcript = Self.merge(chunks: chunks, parts: parts)
        let cues = Captions.cues(transcript.words)
        let files: [(String, String, Data)] = [
            ("transcript.json", "transcript", try transcript.jsonData()),
            ("transcript.txt", "transcript_text", Data(transcript.plainText().utf8)),
            ("captions.srt", "captions_srt", Data(Captions.srt(cues).utf8)),
            ("captions.vtt", "captions_vtt", Data(Captions.vtt(cues).utf8)),
        ]
        var assets: [PublishedAsset] = []
        for (name, kind, data) in files {
            assets.append(try await services.publish(bytes: data, job: context.jobID, relative: name, kind: kind, context: context))
        }
        return MergedTranscript(words: transcript.words.count, cues: cues.count, transcriptKey: assets[0].key, assets: assets)
    }

    /// summary.json (summary, key points, tags, language) and embeddings.json (passages of
    /// at most ~800 characters with their time span and vector).
    func summarize(_ merged: MergedTranscript, context: StepContext) async throws -> [PublishedAsset] {
        let gemini = try services.gemini()
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await services.storage.get(key: merged.transcriptKey, to: folder + "/t.json")
        let transcript = try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/t.json")))
        let prompt = """
            Summarise this transcript. Give a short summary, 3 to 7 key points, 5 to 15 lowercase topic tags, \
            and the ISO 639-1 language code.

            \(transcript.text.prefix(200_000))
            """
        var summary = try await gemini.generateJSON(TranscriptSummary.self, prompt: prompt, schema: TranscriptSummary.schema)
        summary.tags = Array(summary.tags.prefix(15))
        let passages = Self.passages(transcript.words, maxCharacters: 800)
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: passages.count, by: GeminiClient.maxBatch) {
            let batch = passages[start..<min(passages.count, start + GeminiClient.maxBatch)].map(\.text)
            vectors += try await gemini.embed(Array(batch), taskType: "RETRIEVAL_DOCUMENT")
        }
        let embedded = zip(passages, vectors).map { EmbeddedPassage(text: $0.text, start: $0.start, end: $0.end, vector: $1) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [
            try await services.publish(bytes: try encoder.encode(summary), job: context.jobID, relative: "summary.json", kind: "summary", context: context),
            try await services.publish(bytes: try encoder.encode(embedded), job: context.jobID, relative: "embeddings.json", kind: "embeddings", context: context),
        ]
    }

    static func passages(_ words: [Transcript.Word], maxCharacters: Int) -> [(text: String, start: Double, end: Double)] {
        var out: [(text: String, start: Double, end: Double)] = []
        var current: [Transcript.Word] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            out.append((current.map(\.text).joined(separator: " "), first.start, last.end))
            current = []
        }
        var length = 0
        for word in words {
            if length + word.text.count + 1 > maxCharacters { flush(); length = 0 }
            current.append(word)
            length += word.text.count + 1
        }
        flush()
        return out
    }
}
