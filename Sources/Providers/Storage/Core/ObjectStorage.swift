import Foundation

/// Where the pipeline keeps its outputs: an S3-compatible bucket or a local folder, both with
/// the key layout of DESIGN.md "Output layout" (`jobs/<job_id>/…`).
///
/// Every object carries the SHA-256 of its content as metadata (`sha256`), so a second `put` of
/// the same content is skipped and readers can check what they got. Keys are relative paths
/// (see `ObjectKey.validate`).
package protocol ObjectStorage: Sendable {
    /// Stores the file at `path` under `key`, streamed from disk, unless the object already holds
    /// the same SHA-256 (then the outcome is `.skippedIdentical`).
    /// - Throws: `StorageError` (bad key, unreadable file) or the provider's error.
    func put(file path: String, key: String, options: PutOptions) async throws -> PutResult

    /// Stores `bytes` under `key` (small outputs: manifests, transcripts).
    func put(bytes: Data, key: String, options: PutOptions) async throws -> PutResult

    /// Size, content type and metadata of the object at `key`, or nil when there is none.
    func head(key: String) async throws -> ObjectInfo?

    /// Writes the object at `key` to the file at `path` (replaced atomically).
    /// - Throws: `StorageError.notFound` when there is no such object.
    func get(key: String, to path: String) async throws

    /// Every object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) async throws -> [ObjectInfo]

    /// Removes the object at `key`; removing a missing object is not an error.
    func delete(key: String) async throws

    /// The URI recorded in manifests and assets: `s3://bucket/key` or `file:///dir/key`.
    func uri(for key: String) -> String

    /// A URL through which a client may send `method` (`GET` or `PUT`) for `key` directly to the
    /// store, without our credentials, until `expires`; with exactly `headers`. Nil when the
    /// store has no such URLs (a local folder).
    func presignedURL(method: String, key: String, headers: [(name: String, value: String)], expires: Duration) throws -> String?
}

extension ObjectStorage {
    package func put(file path: String, key: String) async throws -> PutResult {
        try await put(file: path, key: key, options: PutOptions())
    }

    package func put(bytes: Data, key: String) async throws -> PutResult {
        try await put(bytes: bytes, key: key, options: PutOptions())
    }
}

/// How to store an object.
package struct PutOptions: Sendable, Equatable {
    /// Nil: guessed from the key's extension (`ContentType.forPath`).
    package var contentType: String?
    /// User metadata (`x-amz-meta-*` on S3). Names are lowercased; `sha256` is set by the store.
    package var metadata: [String: String]
    /// When true (the default), an object that already holds the same SHA-256 is left alone.
    package var skipIfIdentical: Bool

    package init(contentType: String? = nil, metadata: [String: String] = [:], skipIfIdentical: Bool = true) {
        self.contentType = contentType
        self.metadata = metadata
        self.skipIfIdentical = skipIfIdentical
    }
}

/// What a `put` did.
package struct PutResult: Sendable, Equatable {
    package enum Outcome: String, Sendable, Equatable, Codable {
        case uploaded
        /// The key already held an object with the same SHA-256: nothing was sent.
        case skippedIdentical = "skipped"
    }

    package var key: String
    package var outcome: Outcome
    package var bytes: Int64
    /// Lowercase hex SHA-256 of the content.
    package var sha256: String
    /// Parts sent by this call (0 when skipped, 1 for a single PUT; resumed uploads count only
    /// the parts sent now).
    package var partsSent: Int
    /// The additional checksum the store sent and, for multipart uploads, checked against the
    /// composite S3 reported (S3 only; nil when skipped or sent without one).
    package var checksum: ObjectChecksum?

    package init(
        key: String, outcome: Outcome, bytes: Int64, sha256: String, partsSent: Int, checksum: ObjectChecksum? = nil
    ) {
        self.key = key
        self.outcome = outcome
        self.bytes = bytes
        self.sha256 = sha256
        self.partsSent = partsSent
        self.checksum = checksum
    }
}

/// An object's size, type and metadata.
package struct ObjectInfo: Sendable, Equatable {
    package var key: String
    package var size: Int64
    package var contentType: String?
    /// User metadata, names lowercased, without the `x-amz-meta-` prefix.
    package var metadata: [String: String]

    package init(key: String, size: Int64, contentType: String? = nil, metadata: [String: String] = [:]) {
        self.key = key
        self.size = size
        self.contentType = contentType
        self.metadata = metadata
    }

    /// The SHA-256 recorded when the object was stored, if it was stored by this code.
    package var sha256: String? { metadata[ObjectKey.sha256MetadataName] }
}
