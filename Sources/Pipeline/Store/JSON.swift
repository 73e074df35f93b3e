import Basics
import Foundation

/// A JSON document as stored in the job store (inputs, outputs, errors, payloads).
///
/// Kept as text so that the store never re-encodes what a workflow wrote; `decode` and
/// `init(encoding:)` convert to and from `Codable` values.
public struct JSON: Sendable, Hashable, CustomStringConvertible {
    /// The JSON text.
    public let text: String

    /// Wraps JSON text that is already valid (checked).
    /// - Throws: `StoreError` (`invalidInput`) when `text` is not JSON.
    public init(text: String) throws {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil else {
            throw StoreError.invalidInput("not valid JSON")
        }
        self.text = text
    }

    init(unchecked text: String) { self.text = text }

    /// Encodes a value (keys sorted, so equal values give equal text).
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the document as `T`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// The empty object `{}`.
    public static let emptyObject = JSON(unchecked: "{}")
    /// `null`.
    public static let null = JSON(unchecked: "null")

    public var description: String { text }
}

/// Builds small JSON objects from string/number pairs without a Codable type.
func jsonObject(_ pairs: KeyValuePairs<String, (any Sendable)?>) -> JSON {
    var dict: [String: Any] = [:]
    for (key, value) in pairs {
        if let value { dict[key] = value }
    }
    let data = (try? JSONText.data(dict)) ?? Data("{}".utf8)
    return JSON(unchecked: String(decoding: data, as: UTF8.self))
}
