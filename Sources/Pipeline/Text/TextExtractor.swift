import Foundation
import MediaCore

/// A chapter of extracted text: paragraphs separated by blank lines.
struct ExtractedChapter: Codable, Sendable, Equatable {
    var title: String?
    var text: String
}

/// What `extract_text` produces.
struct ExtractedText: Codable, Sendable, Equatable {
    var format: String
    var encoding: String?
    var title: String?
    var chapters: [ExtractedChapter]
    var warnings: [String]
    var characters: Int
    /// From the epub's `dc:creator`, the HTML `<meta name="author">` or a Markdown front matter.
    var author: String? = nil
}

/// Reads txt, md, html and epub files into chapters of plain text.
enum TextExtractor {
    static let extensions: Set<String> = ["txt", "text", "md", "markdown", "html", "htm", "xhtml", "epub"]

    /// - Throws: `StepFailure` (not retryable) for an unsupported, empty, oversized or broken input.
    static func extract(path: String, maxCharacters: Int) throws -> ExtractedText {
        let ext = (path as NSString).pathExtension.lowercased()
        guard extensions.contains(ext) else {
            throw StepFailure(code: "unsupported_format", message: "\((path as NSString).lastPathComponent): .\(ext) is not a text format", retryable: false)
        }
        do {
            try checkReadableRegularFile(path)  // a FIFO would block the read
        } catch let error as MediaError where error.code != .notMedia {
            throw StepFailure(code: "unreadable", message: "cannot read \((path as NSString).lastPathComponent): \(error.reason)", retryable: false)
        } catch is MediaError {}  // empty: reported as "contains no text" below
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        // Four bytes per character at most in UTF-8: a larger plain file cannot be under the limit.
        // HTML is mostly markup: its limit is on the text extracted (below); the bound here only
        // keeps a huge file from being read (the same budget as an epub's).
        let isHTML = ["html", "htm", "xhtml"].contains(ext)
        if ext != "epub", size > (isHTML ? min(Int(EpubText.maxUncompressedBytes), maxCharacters * 16 + (1 << 20)) : maxCharacters * 4 + 4) {
            throw tooLong(path, "\(size) bytes")
        }
        var result: ExtractedText
        if ext == "epub" {
            result = try EpubText.extract(path: path, maxCharacters: maxCharacters)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StepFailure(code: "unreadable", message: "cannot read \((path as NSString).lastPathComponent)", retryable: false)
            }
            let decoded = TextDecoding.decode(data)
            var title: String?
            var author: String?
            let chapters: [ExtractedChapter]
            switch ext {
            case "md", "markdown":
                let (front, body) = Markdown.frontMatter(decoded.text)
                (title, author, chapters) = (front["title"], front["author"], Markdown.chapters(body))
            case "html", "htm", "xhtml":
                (title, chapters) = HTMLText.chapters(decoded.text)
                author = HTMLText.author(decoded.text)
            default: chapters = [TextCleanup.tidy(ExtractedChapter(title: nil, text: PlainText.paragraphs(decoded.text)))]
            }
            result = ExtractedText(format: ext, encoding: decoded.encoding, title: title, chapters: chapters,
                                   warnings: decoded.warnings, characters: 0, author: author)
        }
        // A NUL ends a C string: the speech engine would read the text only up to the first one and
        // the job would succeed with the rest silently missing. Such a file is not plain text.
        if result.chapters.contains(where: { $0.text.unicodeScalars.contains("\u{0}") || ($0.title?.unicodeScalars.contains("\u{0}") ?? false) }) {
            throw containsNUL(path)
        }
        result.chapters = result.chapters.filter { !$0.text.isEmpty }
        result.characters = result.chapters.reduce(0) { $0 + $1.text.count }
        guard result.characters > 0, result.chapters.contains(where: { $0.text.contains { $0.isLetter || $0.isNumber } }) else {
            throw StepFailure(code: "empty_text", message: "\((path as NSString).lastPathComponent) contains no text to narrate", retryable: false)
        }
        guard result.characters <= maxCharacters else { throw tooLong(path, "\(result.characters) characters") }
        return result
    }

    static func containsNUL(_ path: String) -> StepFailure {
        var offset = ""
        if (path as NSString).pathExtension.lowercased() != "epub", let data = FileManager.default.contents(atPath: path),
            let first = data.firstIndex(of: 0)
        {
            offset = " (the first at byte \(first - data.startIndex))"
        }
        return StepFailure(
            code: "binary_text",
            message: "\((path as NSString).lastPathComponent) contains NUL bytes\(offset): it is not plain text; "
                + "convert it to UTF-8 text (a UTF-16 file needs its byte-order mark) and run again",
            retryable: false)
    }

    static func tooLong(_ path: String, _ what: String) -> StepFailure {
        StepFailure(code: "input_too_long", message: "\((path as NSString).lastPathComponent) has \(what), more than --max-input-chars allows", retryable: false)
    }
}

enum PlainText {
    /// Normalises line ends; single line breaks inside a paragraph become spaces.
    static func paragraphs(_ text: String) -> String {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var paragraphs: [String] = []
        var current: [String] = []
        for line in unified.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")); current = [] }
            } else {
                current.append(trimmed)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs.map(TextCleanup.collapse).joined(separator: "\n\n")
    }
}

/// Markdown to chapters: `#`, `##` and `###` headings start chapters; emphasis, links, images,
/// code fences and HTML tags are reduced to their readable text; footnotes (`[^1]` and their
/// `[^1]: …` definitions) are not narrated.
enum Markdown {
    /// A leading YAML front matter block (`---` … `---`): its simple `key: value` lines, and the
    /// text after it. Without one: no keys and the whole text.
    static func frontMatter(_ text: String) -> (keys: [String: String], body: String) {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { ["---", "..."].contains($0.trimmingCharacters(in: .whitespaces)) }) else {
            return ([:], text)
        }
        var keys: [String: String] = [:]
        for line in lines[1..<end] {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix(" ") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if !value.isEmpty { keys[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = value }
        }
        return (keys, lines[(end + 1)...].joined(separator: "\n"))
    }

    static func chapters(_ text: String) -> [ExtractedChapter] {
        var chapters: [ExtractedChapter] = []
        var title: String?
        var body: [String] = []
        var inFence = false
        var inNote = false
        func flush() {
            let chapter = TextCleanup.tidy(ExtractedChapter(title: title, text: PlainText.paragraphs(body.joined(separator: "\n"))))
            if !chapter.text.isEmpty { chapters.append(chapter) }
            body = []
        }
        for rawLine in text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") || line.hasPrefix("~~~") { inFence.toggle(); continue }
            if inFence { continue }
            // A footnote definition runs on over its indented lines, up to a blank line.
            if line.range(of: #"^\[\^[^\]]+\]:"#, options: .regularExpression) != nil { inNote = true; continue }
            if inNote, !line.isEmpty, rawLine.hasPrefix("  ") || rawLine.hasPrefix("\t") { continue }
            inNote = false
            let hashes = line.prefix { $0 == "#" }.count
            if hashes >= 1, hashes <= 3, line.dropFirst(hashes).first == " " {
                flush()
                title = inline(String(line.dropFirst(hashes))).trimmingCharacters(in: .whitespaces)
                continue
            }
            var content = line
            if hashes > 3 { content = String(line.dropFirst(hashes)) }
            for marker in ["> ", "- ", "* ", "+ "] where content.hasPrefix(marker) { content = String(content.dropFirst(2)) }
            if content.allSatisfy({ "-*_= ".contains($0) }) && content.count >= 3 { content = "" }  // rules
            body.append(inline(content))
        }
        flush()
        return chapters
    }

    /// Inline markup removed: images dropped, links keep their text, emphasis and code marks removed.
    static func inline(_ s: String) -> String {
        var out = s
        out = out.replacingOccurrences(of: #"\[\^[^\]]+\]"#, with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: #"!\[[^\]]*\]\([^)]*\)"#, with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\[([^\]]*)\]\([^)]*\)"#, with: "$1", options: .regularExpression)
        out = out.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: #"(\*\*|__|\*|`)"#, with: "", options: .regularExpression)
        out = out.replacingOccurrences(of: #"(^|\s)_([^_]+)_"#, with: "$1$2", options: .regularExpression)
        return HTMLText.decodeEntities(out)
    }
}
