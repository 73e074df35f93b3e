import Foundation

/// Turns a text file's bytes into a string: UTF-8 (with or without BOM), UTF-16 with a BOM,
/// else Latin-1. Whatever is guessed or repaired is reported, never silently dropped.
enum TextDecoding {
    struct Result {
        var text: String
        var encoding: String
        var warnings: [String]
    }

    static func decode(_ data: Data) -> Result {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return utf8(Array(bytes.dropFirst(3)), name: "utf-8 (bom)")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            var warnings: [String] = []
            if bytes.count % 2 == 1 { warnings.append("UTF-16 text has an odd number of bytes; the last byte was dropped") }
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var i = 2
            while i + 1 < bytes.count {
                units.append(little ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            var text = ""
            var invalid = 0
            var iterator = units.makeIterator()
            var codec = UTF16()
            loop: while true {
                switch codec.decode(&iterator) {
                case .scalarValue(let scalar): text.unicodeScalars.append(scalar)
                case .error: invalid += 1; text.unicodeScalars.append("\u{FFFD}")
                case .emptyInput: break loop
                }
            }
            if invalid > 0 { warnings.append("\(invalid) invalid UTF-16 code unit(s) replaced by U+FFFD") }
            return Result(text: text, encoding: little ? "utf-16le" : "utf-16be", warnings: warnings)
        }
        let invalid = invalidUTF8Offsets(bytes)
        if invalid.isEmpty { return Result(text: String(decoding: bytes, as: UTF8.self), encoding: "utf-8", warnings: []) }
        // Mostly UTF-8 with a few bad bytes: keep UTF-8 and report where the bytes were.
        let multibyte = bytes.filter { $0 >= 0xC2 && $0 <= 0xF4 }.count
        if multibyte > invalid.count * 4 {
            return utf8(bytes, name: "utf-8")
        }
        let text = String(bytes.map { Character(Unicode.Scalar($0)) })
        return Result(text: text, encoding: "latin-1",
                      warnings: ["not valid UTF-8 (\(invalid.count) invalid byte(s), first at offset \(invalid[0])); read as Latin-1"])
    }

    private static func utf8(_ bytes: [UInt8], name: String) -> Result {
        let invalid = invalidUTF8Offsets(bytes)
        var warnings: [String] = []
        if !invalid.isEmpty {
            let shown = invalid.prefix(5).map(String.init).joined(separator: ", ")
            warnings.append("\(invalid.count) invalid UTF-8 byte(s) replaced by U+FFFD at offset(s) \(shown)\(invalid.count > 5 ? ", …" : "")")
        }
        return Result(text: String(decoding: bytes, as: UTF8.self), encoding: name, warnings: warnings)
    }

    /// Offsets of bytes that do not start a well-formed UTF-8 sequence.
    static func invalidUTF8Offsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            guard length > 0, i + length <= bytes.count else { offsets.append(i); i += 1; continue }
            var ok = true
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { ok = false }
            if ok, length == 3 {
                let second = bytes[i + 1]
                if (b == 0xE0 && second < 0xA0) || (b == 0xED && second > 0x9F) { ok = false }
            }
            if ok, length == 4 {
                let second = bytes[i + 1]
                if (b == 0xF0 && second < 0x90) || (b == 0xF4 && second > 0x8F) { ok = false }
            }
            if ok { i += length } else { offsets.append(i); i += 1 }
        }
        return offsets
    }
}
