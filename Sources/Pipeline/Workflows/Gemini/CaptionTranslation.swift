import Foundation
import Providers

/// `translate` (transcribe with `--translate-to LANG`): the caption cues' texts translated by
/// Gemini (JSON output: one string per cue, the count checked), written as
/// `captions.<LANG>.srt` and `captions.<LANG>.vtt` with the very same cue timings.
struct CaptionTranslator {
    let services: WorkflowServices

    /// Cues sent per Gemini request (keeps each answer well under the output token limit).
    static let cuesPerRequest = 100

    /// A BCP 47-like code (`fr`, `pt-BR`, `zh-Hant`): also part of the output file names.
    static func isValidLanguage(_ code: String) -> Bool {
        code.range(of: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$", options: .regularExpression) != nil
    }

    func translate(_ merged: MergedTranscript, to language: String, context: StepContext) async throws -> [PublishedAsset] {
        guard Self.isValidLanguage(language) else {
            throw StepFailure(code: "bad_input", message: "translate_to must be a language code such as fr or pt-BR", retryable: false)
        }
        let folder = try services.scratchFolder(context.jobID, context.step)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await services.storage.get(key: merged.transcriptKey, to: folder + "/t.json")
        let transcript = try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/t.json")))
        let cues = Captions.cues(transcript.words)  // the same cues `merge` wrote
        var translated: [Captions.Cue] = []
        if !cues.isEmpty {
            let gemini = try services.gemini()
            for start in stride(from: 0, to: cues.count, by: Self.cuesPerRequest) {
                let batch = Array(cues[start..<min(cues.count, start + Self.cuesPerRequest)])
                let texts = try await Self.translate(batch.map { $0.lines.joined(separator: " ") }, to: language, gemini: gemini)
                translated += zip(batch, texts).map { Captions.Cue(start: $0.start, end: $0.end, lines: Self.wrap($1)) }
            }
        }
        return [
            try await services.publish(bytes: Data(Captions.srt(translated).utf8), job: context.jobID, relative: "captions.\(language).srt",
                                       kind: "captions_srt_\(language)", context: context),
            try await services.publish(bytes: Data(Captions.vtt(translated).utf8), job: context.jobID, relative: "captions.\(language).vtt",
                                       kind: "captions_vtt_\(language)", context: context),
        ]
    }

    /// One request: the texts in, as many translated strings out (or a `translation_mismatch` failure).
    static func translate(_ texts: [String], to language: String, gemini: GeminiClient) async throws -> [String] {
        let numbered = String(decoding: try JSONEncoder().encode(texts), as: UTF8.self)
        let prompt = """
            Translate each caption text of this JSON array into the language with code \(language). Answer with a JSON \
            array of exactly \(texts.count) strings, the translation of each text at the same position; never merge or \
            split texts.

            \(numbered)
            """
        let schema: JSONValue = ["type": "ARRAY", "items": ["type": "STRING"],
                                 "minItems": .string(String(texts.count)), "maxItems": .string(String(texts.count))]
        let answer = try await gemini.generateJSON([String].self, prompt: prompt, schema: schema)
        return try checked(answer, count: texts.count)
    }

    /// The answer when it has one non-empty text per cue, else a retryable `translation_mismatch`.
    static func checked(_ answer: [String], count: Int) throws -> [String] {
        guard answer.count == count else {
            throw StepFailure(code: "translation_mismatch",
                              message: "Gemini returned \(answer.count) translations for \(count) caption cues", retryable: true)
        }
        let cleaned = answer.map { $0.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces) }
        if let empty = cleaned.firstIndex(where: \.isEmpty) {  // an empty cue would end an SRT block early
            throw StepFailure(code: "translation_mismatch", message: "Gemini returned an empty translation for cue \(empty + 1)", retryable: true)
        }
        return cleaned
    }

    /// Lines of at most 42 characters (2 when it fits; a longer translation keeps all its words).
    static func wrap(_ text: String) -> [String] {
        let words = text.split(separator: " ").map(String.init)
        if words.isEmpty { return [""] }
        if let lines = Captions.layout(words) { return lines }
        var lines: [String] = []
        var line = ""
        for word in words {
            if !line.isEmpty, line.count + 1 + word.count > Captions.maxLineCharacters { lines.append(line); line = "" }
            line += line.isEmpty ? word : " " + word
        }
        lines.append(line)
        return lines
    }
}
