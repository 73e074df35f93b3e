import Foundation
import Providers

/// Output of `chunk_first` (and, internally, of chunking any range of files).
struct FirstChapter: Codable, Sendable {
    var chunks: [ChunkRef]
    /// Where the next file starts: the chunked files' total duration.
    var duration: Double
}

extension TranscribeInput {
    /// A multi-file upload (an audiobook) with a transcriber and Gemini: its first chapter gets
    /// its own chunk, transcribe and summarize steps, so `summary.first.json` is written before
    /// the other chapters are transcribed.
    var summarizesFirstChapter: Bool { (parts?.count ?? 0) > 1 && transcriberKind != nil && summarize == true }
}

extension TranscribeWorkflow {
    /// `chunk_first` → `transcribe_first` (one item per chunk of the first file) →
    /// `summarize_first` (waits on `transcribe_first` only). `chunk` then starts at the second
    /// file and `transcribe` reuses these transcripts instead of sending the chunks again.
    static func firstChapterSteps(options: TranscribeInput, kind: TranscriberKind, services: WorkflowServices) -> [Step] {
        [
            .step("chunk_first") { context in
                try JSON(encoding: try await chunk(options: options, parts: 0..<1, after: nil, services: services, context: context))
            },
            .fanOut("transcribe_first", concurrency: max(1, options.chunkConcurrency ?? chunkConcurrency)) { context in
                try context.require("chunk_first", as: FirstChapter.self).chunks.map { try JSON(encoding: $0) }
            } each: { context, _, item in
                try JSON(encoding: try await transcribe(try item.decode(ChunkRef.self), kind: kind, options: options, services: services, context: context))
            },
            .step("summarize_first", after: ["transcribe_first"]) { context in
                let first = try context.require("chunk_first", as: FirstChapter.self)
                let parts = try context.require("transcribe_first", as: [Transcript].self)
                return try JSON(encoding: try await summarizeFirst(first, parts: parts, options: options, services: services, context: context))
            },
        ]
    }

    /// `summary.first.json`: the first chapter's summary, key points, tags and language.
    static func summarizeFirst(_ first: FirstChapter, parts: [Transcript], options: TranscribeInput, services: WorkflowServices,
                               context: StepContext) async throws -> [PublishedAsset] {
        let gemini = try services.gemini()
        let transcript = TranscriptPublisher.merge(chunks: first.chunks, parts: parts)
        let prompt = """
            Summarise this transcript of the first chapter (\(options.sources[0].name)) of an audiobook. Give a short summary, \
            3 to 7 key points, 5 to 15 lowercase topic tags, and the ISO 639-1 language code.

            \(transcript.text.prefix(200_000))
            """
        var summary = try await gemini.generateJSON(TranscriptSummary.self, prompt: prompt, schema: TranscriptSummary.schema)
        summary.tags = Array(summary.tags.prefix(15))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [try await services.publish(bytes: try encoder.encode(summary), job: context.jobID, relative: "summary.first.json",
                                           kind: "summary_first", context: context)]
    }
}
