import Foundation
import Providers

/// `--segments N`: Gemini splits the extracted text into about N semantic sections with titles
/// (JSON: an array of `{title, start, end}` character offsets). The answer is checked strictly
/// against the text; each section then becomes a chapter, cut by the rule-based segmenter.
enum SemanticSections {
    struct Proposed: Codable, Sendable, Equatable {
        var title: String
        var start: Double
        var end: Double
    }

    struct Section: Codable, Sendable, Equatable {
        var title: String
        var start: Int
        var end: Int
    }

    struct Invalid: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    static func schema(maxItems: Int) -> JSONValue {
        ["type": "ARRAY", "minItems": "1", "maxItems": .string(String(maxItems)),
         "items": ["type": "OBJECT",
                   "properties": ["title": ["type": "STRING"], "start": ["type": "INTEGER"], "end": ["type": "INTEGER"]],
                   "required": ["title", "start", "end"], "propertyOrdering": ["title", "start", "end"]]]
    }

    static func instruction(_ count: Int) -> String {
        """
        Split the text the user sends (after its first line) into about \(count) sections (at most \(count)) that follow \
        its meaning: each a coherent topic or scene, in order. Give each a short title in the text's language. Offsets \
        count characters of the text after the first line, from 0: the first section starts at 0, each starts where the \
        previous ended, the last ends at the text's length (the first line states it). Cut only between words.
        """
    }

    /// The prompt: a first line our fake (and a reader) can parse, then the text.
    static func prompt(_ text: String, count: Int) -> String { "[[TEXT characters=\(text.count) sections=\(count)]]\n" + text }

    /// The whole extracted text, chapters joined by a blank line.
    static func text(_ extracted: ExtractedText) -> String { extracted.chapters.map(\.text).joined(separator: "\n\n") }

    /// The sections when `proposed` covers `text` exactly, in order, with at most `maxCount`
    /// non-empty sections; a boundary inside a word is moved to the next whitespace.
    static func validate(_ proposed: [Proposed], text: String, maxCount: Int) throws(Invalid) -> [Section] {
        let characters = Array(text)
        guard !proposed.isEmpty else { throw Invalid(description: "no sections") }
        guard proposed.count <= maxCount else { throw Invalid(description: "\(proposed.count) sections, at most \(maxCount) asked") }
        var sections: [Section] = []
        for (i, item) in proposed.enumerated() {
            guard item.start.rounded() == item.start, item.end.rounded() == item.end, abs(item.start) < 1e15, abs(item.end) < 1e15 else {
                throw Invalid(description: "section \(i): offsets \(item.start)…\(item.end) are not integers")
            }
            let title = item.title.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            guard !title.isEmpty else { throw Invalid(description: "section \(i) has no title") }
            sections.append(Section(title: title, start: Int(item.start), end: Int(item.end)))
        }
        guard sections[0].start == 0 else { throw Invalid(description: "the first section starts at \(sections[0].start), not 0") }
        for i in sections.indices {
            if i > 0, sections[i].start != sections[i - 1].end {
                let kind = sections[i].start > sections[i - 1].end ? "a gap" : "an overlap"
                throw Invalid(description: "\(kind) between sections \(i - 1) and \(i) (\(sections[i - 1].end) then \(sections[i].start))")
            }
            guard sections[i].end > sections[i].start else { throw Invalid(description: "section \(i) is empty or reversed") }
        }
        guard sections[sections.count - 1].end == characters.count else {
            throw Invalid(description: "the last section ends at \(sections[sections.count - 1].end), the text has \(characters.count) characters")
        }
        for i in sections.indices.dropLast() {
            var boundary = sections[i].end
            while boundary < characters.count, !characters[boundary - 1].isWhitespace, !characters[boundary].isWhitespace { boundary += 1 }
            sections[i].end = boundary
            sections[i + 1].start = boundary
        }
        for (i, section) in sections.enumerated() where String(characters[section.start..<max(section.start, section.end)]).allSatisfy(\.isWhitespace) {
            throw Invalid(description: "section \(i) is empty once its boundaries are moved out of words")
        }
        return sections
    }

    /// The `sections` step's output: `extracted` with the sections as its chapters.
    static func chapters(_ sections: [Section], text: String, extracted: ExtractedText) -> ExtractedText {
        let characters = Array(text)
        var out = extracted
        out.chapters = sections.map { section in
            ExtractedChapter(title: section.title,
                             text: String(characters[section.start..<section.end]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return out
    }

    static func step(options: NarrateInput, services: WorkflowServices) -> Step? {
        guard let count = options.segments else { return nil }
        return .step("sections") { context in
            let extracted = try context.require("extract_text", as: ExtractedText.self)
            let gemini = try services.gemini(for: "--segments \(count)")
            let whole = Self.text(extracted)
            let proposed = try await gemini.generateJSON([Proposed].self, prompt: prompt(whole, count: count),
                                                         schema: schema(maxItems: count), system: instruction(count))
            let sections: [Section]
            do { sections = try validate(proposed, text: whole, maxCount: count) } catch {
                throw StepFailure(code: "invalid_segments", message: "Gemini's sections do not fit the text: \(error)", retryable: true)
            }
            return try JSON(encoding: chapters(sections, text: whole, extracted: extracted))
        }
    }
}
