import Foundation

/// A database URL as given by `--database-url` / `DATABASE_URL`, with a redacted form for output.
public struct DatabaseURL: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable { case postgres, sqlite(String) }
    let kind: Kind
    let raw: String

    /// The default when nothing is configured: a SQLite file in the current folder.
    public static let defaultURL = "sqlite:./runner.sqlite"

    /// - Throws: `StoreError` (`invalidInput`) for an unknown scheme; its message is redacted.
    public init(_ string: String) throws {
        raw = string
        if string.hasPrefix("postgres://") || string.hasPrefix("postgresql://") {
            kind = .postgres
        } else if string.hasPrefix("sqlite:") {
            var path = String(string.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw StoreError.invalidInput("sqlite: URL without a path") }
            kind = .sqlite(path)
        } else {
            throw StoreError.invalidInput(
                "unsupported database URL \(Self.redact(string)) (use postgres://… or sqlite:PATH)")
        }
    }

    /// The URL with any password replaced by `***`.
    public var description: String { Self.redact(raw) }

    /// Replaces the password of `user:password@` (and `password=` query items) with `***`.
    public static func redact(_ url: String) -> String {
        var out = url
        if let scheme = out.range(of: "://"),
           let at = out.range(of: "@", range: scheme.upperBound..<out.endIndex) {
            let userInfo = out[scheme.upperBound..<at.lowerBound]
            if let colon = userInfo.firstIndex(of: ":") {
                out.replaceSubrange(out.index(after: colon)..<at.lowerBound, with: "***")
            }
        }
        if let range = out.range(of: "password=") {
            let end = out[range.upperBound...].firstIndex(of: "&") ?? out.endIndex
            out.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return out
    }
}
