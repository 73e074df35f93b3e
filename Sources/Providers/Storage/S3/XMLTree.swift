import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element: S3 answers are small documents, read into a tree and then queried by
/// child names (namespaces and prefixes ignored, since S3-compatibles differ on them).
package struct XMLTree: Sendable, Equatable {
    package var name: String
    package var text: String
    package var children: [XMLTree]

    package init(name: String, text: String = "", children: [XMLTree] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// Parses `data`; nil when it is not well-formed XML (an HTML error page, an empty body).
    package static func parse(_ data: Data) -> XMLTree? {
        // S3 may send whitespace before the document (keep-alives during a long Complete), and
        // XMLParser refuses anything before the XML declaration.
        let start = data.firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } ?? data.endIndex
        let builder = Builder()
        let parser = XMLParser(data: Data(data[start...]))
        parser.shouldProcessNamespaces = true
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    /// The first child named `name`.
    package func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    /// Every child named `name`, in document order.
    package func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// The trimmed text of the first child named `name`.
    package func value(_ name: String) -> String? {
        child(name).map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Escapes `&`, `<`, `>` for element text.
    package static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLTree] = []
        var root: XMLTree?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(XMLTree(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty {
                root = done
            } else {
                stack[stack.count - 1].children.append(done)
            }
        }
    }
}
