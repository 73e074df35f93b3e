import Foundation

extension FakeGemini {
    /// A deterministic answer to narrate's `--segments` request: when the prompt starts with
    /// `[[TEXT characters=L sections=N]]` and a line break, and the schema is an ARRAY of objects
    /// with `start` and `end`, the text after that line split into `maxItems` (else N) nearly
    /// equal sections whose boundaries sit on whitespace, titled `Part k: <first words>`.
    /// Offsets count characters, as the request asks. nil for any other request.
    static func sections(for schema: [String: Any], prompt: String) -> Any? {
        guard (schema["type"] as? String)?.uppercased() == "ARRAY",
              let properties = (schema["items"] as? [String: Any])?["properties"] as? [String: Any],
              properties["start"] != nil, properties["end"] != nil,
              prompt.hasPrefix("[[TEXT characters="), let newline = prompt.firstIndex(of: "\n"),
              let wanted = Int(prompt[..<newline].split(separator: "=").last?.dropLast(2) ?? "")
        else { return nil }
        let characters = Array(prompt[prompt.index(after: newline)...])
        let count = max(1, Int(schema["maxItems"] as? String ?? "") ?? (schema["maxItems"] as? NSNumber)?.intValue ?? wanted)
        var bounds = [0]
        for k in 1..<max(count, 1) {
            var cut = characters.count * k / count
            while cut < characters.count, !characters[cut].isWhitespace { cut += 1 }
            if cut > bounds[bounds.count - 1], cut < characters.count { bounds.append(cut) }
        }
        bounds.append(characters.count)
        return zip(bounds, bounds.dropFirst()).enumerated().map { k, span -> [String: Any] in
            let words = String(characters[span.0..<span.1]).split(whereSeparator: \.isWhitespace).prefix(3).joined(separator: " ")
            return ["title": "Part \(k + 1): \(words)", "start": span.0, "end": span.1]
        }
    }
}
