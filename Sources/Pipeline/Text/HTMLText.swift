import Foundation

/// Readable text from HTML (and XHTML in epubs): scripts, styles, navigation and other
/// non-content elements are dropped; headings start chapters; block elements end paragraphs.
enum HTMLText {
    /// Elements whose whole content is not narrated.
    static let dropped: Set<String> = ["script", "style", "nav", "noscript", "template", "svg", "math",
                                       "iframe", "object", "button", "form", "select", "aside", "footer"]
    static let headings: Set<String> = ["h1", "h2", "h3"]
    /// Phrasing elements: their tags separate nothing (`mc<sup>2</sup>` reads "mc2").
    static let inline: Set<String> = ["a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
                                      "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
                                      "time", "tt", "u", "var", "wbr"]
    static let blocks: Set<String> = ["p", "div", "br", "li", "ul", "ol", "section", "article", "blockquote", "tr",
                                      "table", "h4", "h5", "h6", "pre", "hr", "dd", "dt", "figcaption", "header", "main"]

    /// - Returns: the document's `<title>` (if any) and its chapters in order.
    static func chapters(_ html: String) -> (title: String?, chapters: [ExtractedChapter]) {
        var chapters: [ExtractedChapter] = []
        var current = ExtractedChapter(title: nil, text: "")
        var heading: String?
        var title: String?
        var titleText: String?
        var skipDepth: [String] = []
        var text = ""
        let chars = Array(html.unicodeScalars)
        var i = 0

        func flushText() {
            let cleaned = TextCleanup.collapse(decodeEntities(text))
            text = ""
            guard !cleaned.isEmpty else { return }
            if heading != nil { heading! += (heading!.isEmpty ? "" : " ") + cleaned; return }
            if titleText != nil { titleText! += cleaned; return }
            current.text += cleaned
        }
        func endParagraph() {
            flushText()
            if !current.text.isEmpty, !current.text.hasSuffix("\n\n") { current.text += "\n\n" }
        }

        while i < chars.count {
            if chars[i] == "<" {
                if i + 3 < chars.count, chars[i + 1] == "!", chars[i + 2] == "-", chars[i + 3] == "-" {
                    var j = i + 4
                    while j + 2 < chars.count, !(chars[j] == "-" && chars[j + 1] == "-" && chars[j + 2] == ">") { j += 1 }
                    i = j + 3
                    continue
                }
                // `<!DOCTYPE … [ internal subset ]>`: the subset holds `<!ENTITY …>` declarations,
                // whose `>` would otherwise end the tag early and leave the rest to be read aloud.
                if i + 1 < chars.count, chars[i + 1] == "!" {
                    var j = i + 2
                    var inSubset = false
                    while j < chars.count, inSubset || chars[j] != ">" {
                        if chars[j] == "[" { inSubset = true } else if chars[j] == "]" { inSubset = false }
                        j += 1
                    }
                    i = j + 1
                    continue
                }
                var j = i + 1
                while j < chars.count, chars[j] != ">" { j += 1 }
                let tag = String(String.UnicodeScalarView(chars[(i + 1)..<min(j, chars.count)]))
                i = j + 1
                let closing = tag.hasPrefix("/")
                let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                let selfClosing = tag.hasSuffix("/")
                if let top = skipDepth.last {
                    if closing, name == top { skipDepth.removeLast() }
                    else if !closing, !selfClosing, name == top { skipDepth.append(name) }
                    continue
                }
                if name == "title" {
                    if closing { flushText(); title = titleText.map(TextCleanup.collapse); titleText = nil } else { flushText(); titleText = "" }
                    continue
                }
                if name == "head" { continue }  // keep reading: <title> lives in head
                if !closing, !selfClosing, dropped.contains(name) || isNote(tag) || isNoteReference(name, tag: tag, after: chars[i...]) {
                    flushText()
                    skipDepth.append(name)
                    continue
                }
                if headings.contains(name) {
                    if !closing {
                        endParagraph()
                        heading = ""
                    } else if let h = heading {
                        flushText()
                        let h2 = heading ?? h
                        heading = nil
                        if !current.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || current.title != nil {
                            current.text = current.text.trimmingCharacters(in: .whitespacesAndNewlines)
                            if !current.text.isEmpty || current.title != nil { chapters.append(current) }
                        }
                        current = ExtractedChapter(title: h2.isEmpty ? nil : h2, text: "")
                    }
                    continue
                }
                if blocks.contains(name) { endParagraph() } else if !name.isEmpty, !inline.contains(name) { text += " " }
                continue
            }
            if skipDepth.isEmpty { text.unicodeScalars.append(chars[i]) }
            i += 1
        }
        endParagraph()
        current.text = current.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !current.text.isEmpty { chapters.append(current) }
        return (title, chapters.map(TextCleanup.tidy).filter { !$0.text.isEmpty })
    }

    /// `<meta name="author" content="…">`, if any.
    static func author(_ html: String) -> String? {
        EpubText.tags("meta", in: html).first { EpubText.attribute("name", $0)?.lowercased() == "author" }
            .flatMap { EpubText.attribute("content", $0) }.map(TextCleanup.collapse)
            .flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Words in `epub:type`, `role` or `class` that mark a footnote, an endnote or a reference to
    /// one (EPUB 3 structural semantics, DPUB-ARIA roles, Pandoc's and common classes).
    static let noteWords: Set<String> = ["footnote", "footnotes", "endnote", "endnotes", "rearnote", "rearnotes", "noteref",
                                         "doc-footnote", "doc-endnote", "doc-endnotes", "doc-noteref", "footnote-ref",
                                         "footnote-back", "doc-backlink"]

    /// True for an opening tag whose element is a note or a note reference: not narrated.
    static func isNote(_ tag: String) -> Bool {
        guard tag.contains("note") || tag.contains("backlink") else { return false }
        for attribute in ["epub:type", "role", "class"] {
            if let value = EpubText.attribute(NSRegularExpression.escapedPattern(for: attribute), " " + tag),
               value.lowercased().split(separator: " ").contains(where: { noteWords.contains(String($0)) }) {
                return true
            }
        }
        return false
    }

    /// True for a note reference that carries no class: a `<sup>` holding a link, or a link
    /// holding a `<sup>`, whose text is only a marker (`1`, `[2]`, `*`, `†`); also a bare
    /// bracketed or symbol marker in either. A plain `x<sup>2</sup>` stays (it may be an exponent).
    static func isNoteReference(_ name: String, tag: String, after rest: ArraySlice<Unicode.Scalar>) -> Bool {
        // `tag.contains("#")` first: most links are not to a fragment, and the attribute regex is not free.
        guard name == "sup" || (name == "a" && tag.contains("#") && (EpubText.attribute("href", " " + tag)?.contains("#") ?? false)) else {
            return false
        }
        let ahead = String(String.UnicodeScalarView(rest.prefix(200))).lowercased()
        guard let end = ahead.range(of: "</\(name)>") else { return false }
        let inner = ahead[..<end.lowerBound]
        let marker = decodeEntities(inner.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !marker.isEmpty, marker.count <= 6, !marker.contains(where: \.isLetter) else { return false }
        let nested = inner.contains(name == "sup" ? "<a " : "<sup")
        let bracketed = marker.hasPrefix("[") && marker.hasSuffix("]")
        return nested || bracketed || !marker.contains(where: \.isNumber)
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let entity = String(s[s.index(after: i)..<semi])
                if let value = entityValue(entity) {
                    out += value
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(s[i])
            i = s.index(after: i)
        }
        return out
    }

    private static func entityValue(_ name: String) -> String? {
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "mdash": "—",
                     "ndash": "–", "hellip": "…", "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "copy": "©"]
        if let v = named[name] { return v }
        if name.hasPrefix("#x") || name.hasPrefix("#X"), let n = UInt32(name.dropFirst(2), radix: 16), let u = Unicode.Scalar(n) { return String(u) }
        if name.hasPrefix("#"), let n = UInt32(name.dropFirst()), let u = Unicode.Scalar(n) { return String(u) }
        return nil
    }
}

enum TextCleanup {
    /// Collapses runs of whitespace to one space, keeping leading/trailing single spaces.
    static func collapse(_ s: String) -> String {
        var out = ""
        var lastSpace = false
        for ch in s {
            if ch.isWhitespace {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(ch)
                lastSpace = false
            }
        }
        return out == " " ? "" : out
    }

    /// Trims each paragraph and drops empty ones.
    static func tidy(_ chapter: ExtractedChapter) -> ExtractedChapter {
        var chapter = chapter
        chapter.text = chapter.text.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .joined(separator: "\n\n")
        chapter.title = chapter.title.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return chapter
    }
}
