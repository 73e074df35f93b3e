import Foundation
import Providers

/// `--style`: how narrate's text is turned into a script before synthesis.
package enum NarrationStyle: String, Codable, Sendable, CaseIterable {
    /// Gemini rewrites each segment as a clear spoken explanation.
    case educational
    /// Gemini rewrites each segment as neutral financial narration; our code appends a fixed disclaimer.
    case financial
    /// The text is narrated as written (no Gemini call).
    case fictional

    /// Whether segments go through Gemini.
    var rewrites: Bool { self != .fictional }

    var instruction: String {
        let common = """
            Rewrite the passage the user sends as narration to be read aloud by a text-to-speech voice. Keep its meaning, \
            facts, names and figures; write numbers and symbols as they are spoken; no headings, lists, markup or stage \
            directions; keep it about as long as the passage. Answer in the passage's language.
            """
        switch self {
        case .educational: return common + " Style: a patient teacher explaining the subject clearly to a curious listener."
        case .financial: return common + " Style: a calm, neutral financial news narrator; never give advice or recommendations."
        case .fictional: return common
        }
    }

    /// Appended by our code (never left to the model) after the last segment of a financial narration.
    static let financialDisclaimer = "This narration is for information only and is not financial advice. "
        + "Consult a qualified adviser before making any investment decision."
}

/// The narrate steps between `extract_text` and `synthesize`. Without a rewriting style, one
/// `segment` step (rule-based segments). With `educational` or `financial`: `source_segments`
/// (the same rule-based segments), `script` (one Gemini rewrite per segment, a few at once, each
/// stored as it arrives), then `segment`: the rewritten texts re-cut to the engine's limit (and
/// the financial disclaimer added), the plan that `synthesize`, `assemble` and `publish` read.
enum NarrationScript {
    /// Rewrites in flight at once per job.
    static let concurrency = 4

    static func steps(options: NarrateInput, services: WorkflowServices) -> [Step] {
        let sections = SemanticSections.step(options: options, services: services).map { [$0] } ?? []
        guard let style = options.narrationStyle, style.rewrites else {
            return sections + [.step("segment") { context in try JSON(encoding: try plan(context, options)) }]
        }
        return sections + [
            .step("source_segments") { context in try JSON(encoding: try plan(context, options)) },
            .fanOut("script", concurrency: concurrency) { context in
                try context.require("source_segments", as: SegmentPlan.self).segments.map { try JSON(encoding: $0) }
            } each: { context, _, item in
                let segment = try item.decode(TextSegment.self)
                return try JSON(encoding: try await rewrite(segment, style: style, services: services, context: context))
            },
            .step("segment") { context in
                let source = try context.require("source_segments", as: SegmentPlan.self)
                let rewritten = try context.require("script", as: [TextSegment].self)
                return try JSON(encoding: reflow(source, rewritten: rewritten, style: style, segmenter: options.segmenter))
            },
        ]
    }

    /// The names `steps(options:services:)` produces, in order.
    static func stepNames(_ options: NarrateInput) -> [String] {
        (options.segments == nil ? [] : ["sections"])
            + (options.narrationStyle?.rewrites == true ? ["source_segments", "script", "segment"] : ["segment"])
    }

    static func plan(_ context: StepContext, _ options: NarrateInput) throws -> SegmentPlan {
        let extracted = try context.require(options.segments == nil ? "extract_text" : "sections", as: ExtractedText.self)
        let segmenter = options.segmenter
        return SegmentPlan(segments: segmenter.segments(extracted.chapters), chapterTitles: extracted.chapters.map(\.title),
                           title: extracted.title, limit: segmenter.limit, measure: segmenter.measure, author: extracted.author)
    }

    struct Rewrite: Codable { var narration: String }
    static let schema: JSONValue = ["type": "OBJECT", "properties": ["narration": ["type": "STRING"]], "required": ["narration"]]

    static func rewrite(_ segment: TextSegment, style: NarrationStyle, services: WorkflowServices, context: StepContext) async throws -> TextSegment {
        let gemini = try services.gemini(for: "--style \(style.rawValue)")
        let answer = try await gemini.generateJSON(Rewrite.self, prompt: segment.text, schema: schema, system: style.instruction)
        let text = answer.narration.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !text.isEmpty else {
            throw StepFailure(code: "empty_script", message: "Gemini returned no narration for segment \(segment.index)", retryable: true)
        }
        var out = segment
        out.text = text
        return out
    }

    /// The rewritten segments as the final plan: each cut again to the engine's limit (whole
    /// sentences, words only when a sentence is too long), pauses kept at the original ends.
    static func reflow(_ source: SegmentPlan, rewritten: [TextSegment], style: NarrationStyle, segmenter: Segmenter) -> SegmentPlan {
        var texts = rewritten
        if style == .financial, !texts.isEmpty {
            var last = texts[texts.count - 1].text
            if let end = last.last(where: { !Sentences.closers.contains($0) }), !".!?…".contains(end) { last += "." }  // the disclaimer starts a sentence
            texts[texts.count - 1].text = last + " " + NarrationStyle.financialDisclaimer
        }
        var segments: [TextSegment] = []
        for segment in texts {
            var pieces: [String] = []
            for sentence in Sentences.split(segment.text) {
                for part in segmenter.fit(sentence) {
                    if let last = pieces.last, segmenter.size(last + " " + part) <= segmenter.limit {
                        pieces[pieces.count - 1] = last + " " + part
                    } else {
                        pieces.append(part)
                    }
                }
            }
            for (i, piece) in pieces.enumerated() {
                segments.append(TextSegment(index: segments.count, chapter: segment.chapter, text: piece,
                                            pauseAfter: i == pieces.count - 1 ? segment.pauseAfter : segmenter.sentencePause))
            }
        }
        var plan = source
        plan.segments = segments
        return plan
    }
}
