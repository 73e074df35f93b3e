/// An error of the job store. A struct around a private code, so new cases do not break callers;
/// `description` never carries a secret (URLs are redacted before they reach a message).
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    enum Code: Sendable, Equatable {
        case connectionLost, database, leaseLost, notFound, invalidInput, unsupported, conflict
        /// The database cannot be written at all (disk full, read-only, I/O error, corrupt file).
        case unwritable
    }
    let code: Code
    let operation: String
    let message: String

    init(_ code: Code, _ operation: String, _ message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    static func invalidInput(_ message: String) -> StoreError { StoreError(.invalidInput, "input", message) }

    /// The database could not be reached, or the connection broke; the operation may be retried.
    public var isConnectionLost: Bool { code == .connectionLost }
    /// This worker no longer holds the job (rescued, cancelled or finished elsewhere): it must not
    /// write results.
    public var isLeaseLost: Bool { code == .leaseLost }
    /// The job (or row) asked for does not exist.
    public var isNotFound: Bool { code == .notFound }
    /// The request disagrees with what is stored (an idempotency key reused for another request).
    public var isConflict: Bool { code == .conflict }
    /// The request itself was refused (an empty workflow, a bad option).
    public var isInvalidInput: Bool { code == .invalidInput }
    /// The database cannot be written (disk full, read-only, I/O error, corrupt): trying again
    /// will not help, so a worker stops instead of waiting for a write that never succeeds.
    public var isUnwritable: Bool { code == .unwritable }

    public var description: String { "\(operation): \(message)" }
    public var debugDescription: String { "StoreError(\(code), \(operation)): \(message)" }
}
