import Foundation

extension FakeGemini {
    /// How many items the fake puts in an ARRAY: 2, moved into `minItems`…`maxItems` when the
    /// schema sets them (int64 fields, sent as JSON strings or numbers), as a real model must.
    static func itemCount(_ schema: [String: Any]) -> Int {
        func bound(_ name: String) -> Int? {
            if let text = schema[name] as? String { return Int(text) }
            return (schema[name] as? NSNumber)?.intValue
        }
        var count = 2
        if let low = bound("minItems") { count = max(count, low) }
        if let high = bound("maxItems") { count = min(count, high) }
        return max(0, count)
    }
}
