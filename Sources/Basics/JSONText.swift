import Foundation

/// JSON text of a `JSONSerialization`-shaped value (`[String: Any]`, `[Any]`, `String`, numbers,
/// `Bool`, `NSNull`), keys sorted, slashes unescaped: the service's answers, event payloads and
/// the hashes taken of canonical request bodies.
///
/// Written with `JSONEncoder`, not `JSONSerialization`: on Linux the latter's `.sortedKeys`
/// compares keys through a CoreFoundation locale created per comparison, which measured 324 µs
/// for a 21-key object against 17 µs here, and was 45 % of `runner serve`'s CPU under POSTs.
package enum JSONText {
    package struct Unencodable: Error, CustomStringConvertible {
        package let description: String
    }

    package static func data(_ object: Any, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(try Node(object))
    }

    package static func string(_ object: Any) throws -> String {
        String(decoding: try data(object), as: UTF8.self)
    }

    private enum Node: Encodable {
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
                } else if case Optional<Any>.none = value as Any? {
                    self = .null
                } else {
                    throw Unencodable(description: "JSON cannot hold a \(type(of: value))")
                }
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let flag): try container.encode(flag)
            case .int(let number): try container.encode(number)
            case .double(let number): try container.encode(number)
            case .string(let text): try container.encode(text)
            case .array(let items): try container.encode(items)
            case .object(let members): try container.encode(members)
            }
        }
    }
}
