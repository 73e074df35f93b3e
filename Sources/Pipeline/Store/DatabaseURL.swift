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
            // libpq ends the user info at the first `@`: the rest of the password would become
            // the host name and be printed in its "could not translate host name" message.
            if let userInfo = Self.userInfoRange(string), string[userInfo].contains("@") {
                throw StoreError.invalidInput(
                    "the database URL \(Self.redact(string)) has an unescaped @ in its user or password; write it as %40")
            }
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
    /// The user info ends at the last `@`, so a password holding an unescaped `@` is hidden whole.
    public static func redact(_ url: String) -> String {
        var out = url
        if let userInfo = userInfoRange(out), let colon = out[userInfo].firstIndex(of: ":") {
            out.replaceSubrange(out.index(after: colon)..<userInfo.upperBound, with: "***")
        }
        if let range = out.range(of: "password=") {
            let end = out[range.upperBound...].firstIndex(of: "&") ?? out.endIndex
            out.replaceSubrange(range.upperBound..<end, with: "***")
        }
        return out
    }

    /// The `user:password` part: from the scheme to the last `@` (a password may hold `@`, `/`
    /// or `?` when it was not percent-encoded; hiding too much beats printing a part of it).
    static func userInfoRange(_ url: String) -> Range<String.Index>? {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return nil }
        return scheme.upperBound..<at
    }
}
