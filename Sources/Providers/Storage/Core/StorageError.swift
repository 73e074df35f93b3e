import Foundation

/// A failure of object storage that is not an HTTP response from a provider (those are the
/// transport's `ProviderError`): a bad key or configuration, a missing object, a local file
/// system error, or content that does not match its checksum.
///
/// The description names the operation and the key or path; it never contains credentials.
package struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case invalidKey
        case invalidConfiguration
        case notFound
        case fileSystem
        case integrity
    }

    private let code: Code
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package static func invalidKey(_ key: String, _ reason: String) -> StorageError {
        // A hostile key may be kilobytes long or hold control characters: show its start only.
        let shown = String(String.UnicodeScalarView(key.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return StorageError(.invalidKey, "invalid object key \"\(shown)\(key.unicodeScalars.count > 80 ? "…" : "")\": \(reason)")
    }

    package static func invalidConfiguration(_ message: String) -> StorageError {
        StorageError(.invalidConfiguration, message)
    }

    package static func notFound(_ key: String) -> StorageError {
        StorageError(.notFound, "no object at \"\(key)\"")
    }

    /// A failed system call: `operation` names it, `errno` explains it.
    package static func fileSystem(_ operation: String, path: String, errno: Int32) -> StorageError {
        StorageError(.fileSystem, "\(operation) \(path): \(String(cString: strerror(errno)))")
    }

    package static func fileSystem(_ message: String) -> StorageError { StorageError(.fileSystem, message) }

    package static func integrity(_ message: String) -> StorageError { StorageError(.integrity, message) }

    package var isNotFound: Bool { code == .notFound }
    package var isInvalidKey: Bool { code == .invalidKey }
    package var isIntegrity: Bool { code == .integrity }

    package var description: String { message }
}
