import Foundation
import Testing
@testable import Pipeline

/// extract_text on each format, including the inputs it must refuse.
struct TextExtractionTests {
    static let uploads = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/uploads").path

    func temp(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = NSTemporaryDirectory() + "text-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func utf16WithBOMIsDecoded() throws {
        let path = try temp("u16.txt", [0xFF, 0xFE] + Array("Héllo wörld.".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let text = try TextExtractor.extract(path: path, maxCharacters: 1000)
        #expect(text.encoding == "utf-16le")
        #expect(text.chapters.map(\.text) == ["Héllo wörld."])
    }

    @Test func latin1IsDetectedAndReported() throws {
        let text = try TextExtractor.extract(path: Self.uploads + "/cafe-latin1.txt", maxCharacters: 1000)
        #expect(text.encoding == "latin-1")
        #expect(text.chapters[0].text.contains("café"))
        #expect(text.warnings.contains { $0.contains("Latin-1") })
    }

    @Test func invalidUTF8BytesAreReportedNotDropped() throws {
        let path = try temp("bad.txt", Array("Ünïcödé text ".utf8) + [0xFF] + Array(" more ünïcödé.".utf8))
        let text = try TextExtractor.extract(path: path, maxCharacters: 1000)
        #expect(text.encoding == "utf-8")
        #expect(text.chapters[0].text.contains("\u{FFFD}"))
        #expect(text.warnings.contains { $0.contains("1 invalid UTF-8 byte") && $0.contains("offset") })
    }

    @Test func htmlDropsScriptsStylesAndNavigationAndKeepsHeadings() throws {
        let text = try TextExtractor.extract(path: Self.uploads + "/article.html", maxCharacters: 10_000)
        let all = text.chapters.map { ($0.title ?? "") + " " + $0.text }.joined(separator: " ")
        #expect(text.chapters.map(\.title) == ["Tides", "Spring tides"])
        #expect(text.chapters[0].text == "The moon pulls the sea. Twice a day the water rises & falls.")  // no stray "1"
        #expect(text.author == "Ada Quill")
        for hidden in ["do not read", "color", "Home", "Copyright", "Newton", "back"] { #expect(!all.contains(hidden), "\(hidden) leaked") }
    }

    @Test func markdownHeadingsBecomeChaptersAndMarkupIsRemoved() throws {
        let text = try TextExtractor.extract(path: Self.uploads + "/guide.md", maxCharacters: 10_000)
        #expect(text.chapters.map(\.title) == ["Getting started", "Running it"])
        #expect(text.chapters[0].text == "Install the tool with one command. See the manual for details.")
        // The front matter gives title and author and is not read; the footnote neither.
        #expect(text.title == "The Quick Guide" && text.author == "Ada Quill")
        #expect(text.chapters[1].text == "Run it on a folder. It prints a table at the end, e.g. the outputs of each file.")
    }

    @Test func epubFollowsTheSpineWithTitlesFromTheTableOfContents() throws {
        let text = try TextExtractor.extract(path: Self.uploads + "/tiny-book.epub", maxCharacters: 10_000)
        #expect(text.title == "A Tiny Book" && text.author == "Ada Quill")
        #expect(text.chapters.map(\.title) == ["The Beginning", "The End"])
        // The note reference, the inline footnote and the endnotes document are not narrated.
        #expect(text.chapters[0].text == "Once there was a small book. It had two chapters.")
        // A chapter that ends in its own notes section is read (without the notes).
        #expect(text.chapters[1].text == "The second chapter came last. Then the book was done.")
        #expect(text.warnings.contains { $0.contains("notes.xhtml") })
        #expect(!text.chapters.contains { $0.text.contains("COVER") })
    }

    @Test func noteReferencesAreDroppedButExponentsAndNumberedLinksStay() throws {
        let html = """
            <p>Energy is mc<sup>2</sup>, see <a href="#s2">2</a> below.<sup>[3]</sup> Stars<a href="#n4"><sup>4</sup></a> shine.<a class="footnote-ref" href="#fn5">5</a></p>
            <div class="footnotes"><p>5. Source.</p></div><p>End.</p>
            """
        let text = HTMLText.chapters(html).chapters.map(\.text).joined(separator: "\n\n")
        #expect(text == "Energy is mc2, see 2 below. Stars shine.\n\nEnd.")
    }

    @Test func frontMatterIsJudgedByWholeWordsOfTheFileName() {
        for name in ["cover.xhtml", "copyright-page.html", "toc.xhtml", "title_page.xhtml", "footnotes.xhtml"] {
            #expect(EpubText.isFrontMatter(name), "\(name)")
        }
        for name in ["chapter1.xhtml", "unavailable.xhtml", "stocktaking.xhtml", "recovery.xhtml"] {
            #expect(!EpubText.isFrontMatter(name), "\(name)")
        }
    }

    /// Only the text before the first NUL used to be narrated, and the job succeeded.
    @Test func textWithNULBytesIsRefusedNamingTheFileAndOffset() throws {
        for (name, bytes) in [("nul.txt", Array("First part.".utf8) + [0] + Array(" Second part never read.".utf8)),
                              ("nul.html", Array("<p>Before".utf8) + [0, 0] + Array(" after.</p>".utf8))] {
            let path = try temp(name, bytes)
            let error = #expect(throws: StepFailure.self) { try TextExtractor.extract(path: path, maxCharacters: 1000) }
            #expect(error?.code == "binary_text")
            #expect(error?.retryable == false)
            #expect(error?.message.contains(name) == true && error?.message.contains("NUL") == true, "\(error?.message ?? "")")
        }
        let error = #expect(throws: StepFailure.self) { try TextExtractor.extract(path: try temp("n.txt", Array("Eleven char".utf8) + [0, 65]), maxCharacters: 1000) }
        #expect(error?.message.contains("byte 11") == true)
    }

    /// `../` hrefs (OPF and chapters in sibling folders), a spine item missing from the manifest,
    /// and a DOCTYPE internal subset whose entity declarations used to be read aloud.
    @Test func epubWithParentHrefsMissingSpineItemAndDoctypeSubset() async throws {
        let dir = NSTemporaryDirectory() + "epub-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/odd.epub"
        let chapter = #"<?xml version="1.0"?><!DOCTYPE html [ <!ENTITY bogusentityname "Should never be spoken"> ]>"#
            + #"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title></head><body><h1>Chapter One</h1>"#
            + "<p>The lighthouse keeper climbed the stairs.</p></body></html>"
        let opf = #"<package><metadata><dc:title>Odd</dc:title></metadata><manifest>"#
            + #"<item id="c1" href="../Text/ch1.xhtml" media-type="application/xhtml+xml"/></manifest>"#
            + #"<spine><itemref idref="c1"/><itemref idref="ghost"/></spine></package>"#
        let status = try await ProcessEndToEndTests.shell("python3", "-c", """
            import zipfile, sys
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('mimetype', 'application/epub+zip')
                z.writestr('META-INF/container.xml', '<rootfile full-path="OEBPS/opf/content.opf"/>')
                z.writestr('OEBPS/opf/content.opf', sys.argv[2])
                z.writestr('OEBPS/Text/ch1.xhtml', sys.argv[3])
            """, path, opf, chapter)
        #expect(status == 0)
        let text = try TextExtractor.extract(path: path, maxCharacters: 10_000)
        let all = text.chapters.map { ($0.title ?? "") + " " + $0.text }.joined(separator: " ")
        #expect(all.contains("The lighthouse keeper climbed the stairs."), "\(text.chapters)")
        #expect(!all.contains("bogusentityname") && !all.contains("Should never be spoken") && !all.contains("]>"), "\(all)")
        #expect(text.warnings.contains { $0.contains("not in the manifest") && $0.contains("ghost") }, "\(text.warnings)")
        #expect(EpubText.join("OEBPS/opf", "../Text/ch1.xhtml#s2") == "OEBPS/Text/ch1.xhtml")
    }

    /// --max-input-chars counts the text of an HTML page, not its markup.
    @Test func htmlLimitCountsTextNotMarkup() throws {
        let markup = String(repeating: #"<div class="wrapper-with-a-long-class-name"><span style="color: red"></span></div>"#, count: 300)
        let path = try temp("page.html", Array("<html><body>\(markup)<p>Only a few words are text here.</p></body></html>".utf8))
        let text = try TextExtractor.extract(path: path, maxCharacters: 1000)
        #expect(text.characters < 100)
        let error = #expect(throws: StepFailure.self) { try TextExtractor.extract(path: path, maxCharacters: 10) }
        #expect(error?.code == "input_too_long" && error?.message.contains("characters") == true)
    }

    @Test func refusedInputsFailWithAClearCode() throws {
        let cases: [(String, [UInt8], String)] = [
            ("empty.txt", [], "empty_text"),
            ("blank.md", Array("\n  \n# \n".utf8), "empty_text"),
            ("notzip.epub", Array("this is not a zip archive".utf8), "bad_epub"),
        ]
        for (name, bytes, code) in cases {
            let path = try temp(name, bytes)
            let error = #expect(throws: StepFailure.self) { try TextExtractor.extract(path: path, maxCharacters: 1000) }
            #expect(error?.code == code, "\(name)")
            #expect(error?.retryable == false)
            #expect(error?.message.contains(name) == true)
        }
        let long = try temp("long.txt", Array(String(repeating: "word ", count: 400).utf8))
        let error = #expect(throws: StepFailure.self) { try TextExtractor.extract(path: long, maxCharacters: 1000) }
        #expect(error?.code == "input_too_long")
    }
}
