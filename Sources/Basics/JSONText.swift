import Foundation

/// JSON text of a `JSONSerialization`-shaped value (`[String: Any]`, `[Any]`, `String`, numbers,
/// `Bool`, `NSNull`), keys sorted, slashes unescaped, no insignificant space: the service's
/// answers, event payloads and the hashes taken of canonical request bodies.
///
/// Neither `JSONSerialization` nor `JSONEncoder`: on Linux the former's `.sortedKeys` compares
/// keys through a CoreFoundation locale made per comparison (324 µs for a 21-key object; 45 % of
/// `runner serve`'s CPU under POSTs), and the latter's generic `Encodable` path was still 24 %.
/// The grammar written here is small: objects, arrays, strings with their escapes, numbers
/// (integers exactly; doubles in Swift's shortest round-trip form), true, false, null.
package enum JSONText {
    package struct Unencodable: Error, CustomStringConvertible {
        package let description: String
    }

    package static func data(_ object: Any) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try Node(object).write(to: &out)
        return Data(out)
    }

    package static func string(_ object: Any) throws -> String {
        String(decoding: try data(object), as: UTF8.self)
    }

    private enum Node {
        case null, bool(Bool), int(Int64), double(Double), string(String), array([Node]), object([String: Node])

        init(_ value: Any) throws {
            // The common Swift types first, by their exact type: no bridging casts.
            let kind = type(of: value)
            if kind == String.self { self = .string(value as! String); return }
            if kind == Int.self { self = .int(Int64(value as! Int)); return }
            if kind == Double.self { self = .double(value as! Double); return }
            if kind == Bool.self { self = .bool(value as! Bool); return }
            if kind == [String: Any].self { self = .object(try (value as! [String: Any]).mapValues(Node.init)); return }
            if kind == [Any].self { self = .array(try (value as! [Any]).map(Node.init)); return }
            if kind == NSNull.self { self = .null; return }
            switch value {
            case is NSNull: self = .null
            case let text as String: self = .string(text)
            case let text as Substring: self = .string(String(text))
            case let object as [String: Any]: self = .object(try object.mapValues(Node.init))
            case let array as [Any]: self = .array(try array.map(Node.init))
            default:
                if type(of: value) == Bool.self, let flag = value as? Bool {
                    self = .bool(flag)
                } else if let number = value as? NSNumber {
                    // JSONSerialization's booleans are NSNumbers of type "c" (char); its
                    // integers and Swift's are "q"/"i"/"l"/"s", doubles "d" or "f".
                    switch UInt8(bitPattern: number.objCType.pointee) {
                    case UInt8(ascii: "c"), UInt8(ascii: "B"): self = .bool(number.boolValue)
                    case UInt8(ascii: "d"), UInt8(ascii: "f"): self = .double(number.doubleValue)
                    default: self = .int(number.int64Value)
                    }
                } else {
                    throw Unencodable(description: "JSON cannot hold a \(type(of: value))")
                }
            }
        }

        func write(to out: inout [UInt8]) throws {
            switch self {
            case .null: out += Array("null".utf8)
            case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
            case .int(let number): out += Array(String(number).utf8)
            case .double(let number):
                guard number.isFinite else { throw Unencodable(description: "JSON cannot hold \(number)") }
                if number == number.rounded(.towardZero), abs(number) < 1e15 {
                    out += Array(String(Int64(number)).utf8)
                } else {
                    out += Array(String(number).utf8)
                }
            case .string(let text): Self.write(text, to: &out)
            case .array(let items):
                out.append(UInt8(ascii: "["))
                for (index, item) in items.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    try item.write(to: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .object(let members):
                out.append(UInt8(ascii: "{"))
                for (index, key) in members.keys.sorted().enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    Self.write(key, to: &out)
                    out.append(UInt8(ascii: ":"))
                    try members[key]!.write(to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        }

        private static let hexDigits = Array("0123456789abcdef".utf8)

        private static func write(_ text: String, to out: inout [UInt8]) {
            out.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20:
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                            hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
