import Foundation
import ZIPFoundation

/// Text of an epub: the OPF spine in order, chapter titles from the table of contents (EPUB 3
/// nav or EPUB 2 NCX), front matter (cover, title page, copyright, table of contents) and
/// footnote documents skipped (inline notes and note references too, by `HTMLText`), the author
/// from `dc:creator`. Guards against zip bombs: entries are read with a byte budget.
enum EpubText {
    /// Uncompressed bytes the whole book may expand to (besides `maxCharacters`).
    static let maxUncompressedBytes: Int64 = 64 << 20

    static func extract(path: String, maxCharacters: Int) throws -> ExtractedText {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw bad(path, "not a zip archive")
        }
        var budget = min(maxUncompressedBytes, Int64(maxCharacters) * 16 + (1 << 20))
        func read(_ name: String) throws -> String {
            guard let entry = archive[name] else { throw bad(path, "missing \(name)") }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    budget -= Int64(chunk.count)
                    if budget < 0 { throw EpubLimit() }
                    data.append(chunk)
                }
            } catch is EpubLimit {
                throw StepFailure(code: "zip_bomb", message: "\((path as NSString).lastPathComponent) expands beyond \(maxUncompressedBytes >> 20) MiB; refused", retryable: false)
            } catch {
                throw bad(path, "cannot inflate \(name)")
            }
            return TextDecoding.decode(data).text
        }
        let container = try read("META-INF/container.xml")
        guard let opfPath = attribute("full-path", inFirst: "rootfile", of: container) else { throw bad(path, "container.xml names no rootfile") }
        let opf = try read(opfPath)
        let base = (opfPath as NSString).deletingLastPathComponent
        func resolve(_ href: String) -> String { join(base, href) }
        var manifest: [String: (href: String, type: String, properties: String)] = [:]
        for tag in tags("item", in: opf) {
            guard let id = attribute("id", tag), let href = attribute("href", tag) else { continue }
            manifest[id] = (resolve(href), attribute("media-type", tag) ?? "", attribute("properties", tag) ?? "")
        }
        let title = firstText("dc:title", in: opf)
        let author = firstText("dc:creator", in: opf)
        var tocTitles: [String: String] = [:]
        if let nav = manifest.values.first(where: { $0.properties.split(separator: " ").contains("nav") }), let navText = try? read(nav.href) {
            let navBase = (nav.href as NSString).deletingLastPathComponent
            for (href, label) in links(in: navText) where tocTitles[join(navBase, href)] == nil { tocTitles[join(navBase, href)] = label }
        } else if let ncx = manifest.values.first(where: { $0.type == "application/x-dtbncx+xml" }), let ncxText = try? read(ncx.href) {
            let ncxBase = (ncx.href as NSString).deletingLastPathComponent
            for point in ncxText.components(separatedBy: "<navPoint").dropFirst() {
                if let label = firstText("text", in: point), let src = attribute("src", inFirst: "content", of: point) {
                    let key = join(ncxBase, src)
                    if tocTitles[key] == nil { tocTitles[key] = label }
                }
            }
        }
        var chapters: [ExtractedChapter] = []
        var warnings: [String] = []
        var skipped: [String] = []
        var missing: [String] = []
        for itemref in tags("itemref", in: opf) {
            guard let idref = attribute("idref", itemref) else { continue }
            guard let item = manifest[idref] else { missing.append(idref); continue }
            let name = (item.href as NSString).lastPathComponent.lowercased()
            if attribute("linear", itemref) == "no" || item.properties.contains("nav") || isFrontMatter(name) {
                skipped.append(name)
                continue
            }
            let html = try read(item.href)
            // Notes inside a chapter are dropped by HTMLText; a document of notes alone has nothing left
            // but its heading.
            let parsed = HTMLText.chapters(html)
            let text = parsed.chapters.map { chapter in
                [chapter.title, chapter.text].compactMap { $0 }.joined(separator: "\n\n")
            }.joined(separator: "\n\n")
            if parsed.chapters.allSatisfy(\.text.isEmpty), html.contains("notes\"") { skipped.append(name); continue }
            guard !text.isEmpty else { continue }
            let heading = tocTitles[item.href] ?? parsed.chapters.first?.title ?? parsed.title
            // The heading is spoken as the title; do not read it twice.
            var body = text
            if let heading, body.hasPrefix(heading) { body = String(body.dropFirst(heading.count)) }
            chapters.append(TextCleanup.tidy(ExtractedChapter(title: heading, text: body)))
        }
        if !missing.isEmpty {
            warnings.append("spine item(s) not in the manifest, so not read: \(missing.joined(separator: ", "))")
        }
        if !skipped.isEmpty { warnings.append("skipped front matter, navigation and notes: \(skipped.joined(separator: ", "))") }
        return ExtractedText(format: "epub", encoding: nil, title: title, chapters: chapters, warnings: warnings, characters: 0, author: author)
    }

    struct EpubLimit: Error {}

    /// Judged by the words of the file name (`cover.xhtml`, `copyright-page.html`, `toc.xhtml`),
    /// so `unavailable.xhtml` is not mistaken for navigation.
    static func isFrontMatter(_ name: String) -> Bool {
        let stem = (name as NSString).deletingPathExtension.lowercased()
        let words = stem.split { !$0.isLetter }.map(String.init)
        let front: Set<String> = ["cover", "titlepage", "title", "copyright", "toc", "nav", "contents",
                                  "footnote", "footnotes", "endnote", "endnotes", "colophon"]
        return words.contains { front.contains($0) } || stem.hasPrefix("titlepage")
    }

    static func bad(_ path: String, _ why: String) -> StepFailure {
        StepFailure(code: "bad_epub", message: "\((path as NSString).lastPathComponent) is not a readable epub: \(why)", retryable: false)
    }

    /// `href` (relative, possibly with `./` and `../`) resolved against the folder `base` inside
    /// the archive, as a zip entry name. A path climbing above the archive's root keeps its
    /// `..` and so names no entry.
    static func join(_ base: String, _ href: String) -> String {
        let clean = href.split(separator: "#").first.map(String.init)?.removingPercentEncoding ?? href
        var parts: [Substring] = clean.hasPrefix("/") ? [] : base.split(separator: "/")
        for segment in clean.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": if let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(segment) }
            default: parts.append(segment)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Opening tags named `name` (with their attributes), in order.
    static func tags(_ name: String, in xml: String) -> [String] {
        let pattern = "<(?:[A-Za-z0-9]+:)?\(name)\\b[^>]*>"
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = xml as NSString
        return regex.matches(in: xml, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    static func attribute(_ name: String, _ tag: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: "\\s\(name)\\s*=\\s*(\"([^\"]*)\"|'([^']*)')") else { return nil }
        let ns = tag as NSString
        guard let match = regex.firstMatch(in: tag, range: NSRange(location: 0, length: ns.length)) else { return nil }
        for group in [2, 3] where match.range(at: group).location != NSNotFound {
            return HTMLText.decodeEntities(ns.substring(with: match.range(at: group)))
        }
        return nil
    }

    static func attribute(_ name: String, inFirst tag: String, of xml: String) -> String? {
        tags(tag, in: xml).first.flatMap { attribute(name, $0) }
    }

    static func firstText(_ tag: String, in xml: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: "<\(tag)\\b[^>]*>(.*?)</\(tag)>", options: [.dotMatchesLineSeparators]) else { return nil }
        let ns = xml as NSString
        guard let match = regex.firstMatch(in: xml, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let text = TextCleanup.collapse(HTMLText.decodeEntities(ns.substring(with: match.range(at: 1)).replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression)))
        return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text.trimmingCharacters(in: .whitespaces)
    }

    /// `<a href="…">label</a>` pairs of a navigation document.
    static func links(in xml: String) -> [(String, String)] {
        guard let regex = try? NSRegularExpression(pattern: "<a\\b[^>]*href\\s*=\\s*\"([^\"]*)\"[^>]*>(.*?)</a>", options: [.dotMatchesLineSeparators]) else { return [] }
        let ns = xml as NSString
        return regex.matches(in: xml, range: NSRange(location: 0, length: ns.length)).compactMap { match in
            let label = TextCleanup.collapse(HTMLText.decodeEntities(ns.substring(with: match.range(at: 2)).replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression))).trimmingCharacters(in: .whitespaces)
            return label.isEmpty ? nil : (ns.substring(with: match.range(at: 1)), label)
        }
    }
}
