import Foundation
import MediaCore

/// Object storage in a local directory, with the same key layout as the S3 prefix.
///
/// - Objects are files at `<root>/<key>`. Writes are atomic: the content goes to a temporary
///   file under `<root>/.storage/tmp/` (same file system), is flushed with `fsync`, then
///   `rename`d over the destination, so a reader sees the old object or the new one, never half.
/// - Metadata (content type, user metadata, the SHA-256) lives in a JSON sidecar at
///   `<root>/.storage/meta/<key>.json`, not in extended attributes, because xattrs are missing
///   or limited on tmpfs, overlayfs, NFS and in copies made by ordinary tools. The sidecar is
///   removed before the data is replaced and written after, so a crash can leave an object
///   without metadata (its next `put` re-writes it) but never with another content's SHA-256.
/// - A key and a key below it (`a` and `a/b`) cannot both exist, as in any file system.
package struct LocalStorage: ObjectStorage {
    /// The folder under `root` holding temporary files and sidecars; keys may not start with it.
    package static let reservedFolder = ".storage"

    package let root: String

    /// Uses (and creates if needed) the directory `root`.
    /// - Throws: `StorageError.fileSystem` when it cannot be created.
    package init(root: String) throws {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = absolute
        for dir in [absolute, tmpFolder, metaFolder] {
            try LocalFiles.makeDirectories(dir)
        }
    }

    var tmpFolder: String { "\(root)/\(Self.reservedFolder)/tmp" }
    var metaFolder: String { "\(root)/\(Self.reservedFolder)/meta" }
    func dataPath(_ key: String) -> String { "\(root)/\(key)" }
    func metaPath(_ key: String) -> String { "\(metaFolder)/\(key).json" }

    package func put(file path: String, key: String, options: PutOptions) async throws -> PutResult {
        try ObjectKey.validate(key)
        return try await runOnDedicatedThread(name: "storage") { [self] in
            let (sha, size) = try FileDigest.sha256(path: path)
            return try store(key: key, sha256: sha, size: size, options: options) { destination in
                try LocalFiles.copy(from: path, to: destination)
            }
        }
    }

    package func put(bytes: Data, key: String, options: PutOptions) async throws -> PutResult {
        try ObjectKey.validate(key)
        return try await runOnDedicatedThread(name: "storage") { [self] in
            try store(key: key, sha256: FileDigest.sha256(bytes), size: Int64(bytes.count), options: options) {
                destination in try LocalFiles.write(bytes, to: destination)
            }
        }
    }

    package func head(key: String) async throws -> ObjectInfo? {
        try ObjectKey.validate(key)
        return try await runOnDedicatedThread(name: "storage") { [self] in try info(key: key) }
    }

    package func get(key: String, to path: String) async throws {
        try ObjectKey.validate(key)
        try await runOnDedicatedThread(name: "storage") { [self] in
            guard LocalFiles.isRegularFile(dataPath(key)) else { throw StorageError.notFound(key) }
            let directory = (path as NSString).deletingLastPathComponent
            let temp = "\(directory.isEmpty ? "." : directory)/.\(UUID().uuidString).part"
            do {
                try LocalFiles.copy(from: dataPath(key), to: temp)
                try LocalFiles.rename(temp, to: path)
            } catch {
                unlink(temp)
                throw error
            }
        }
    }

    package func list(prefix: String) async throws -> [ObjectInfo] {
        try await runOnDedicatedThread(name: "storage") { [self] in
            try LocalFiles.regularFiles(under: root, skipping: Self.reservedFolder)
                .filter { $0.hasPrefix(prefix) }
                .sorted()
                .compactMap { try info(key: $0) }
        }
    }

    package func delete(key: String) async throws {
        try ObjectKey.validate(key)
        try await runOnDedicatedThread(name: "storage") { [self] in
            try LocalFiles.removeIfPresent(metaPath(key))
            try LocalFiles.removeIfPresent(dataPath(key))
            LocalFiles.removeEmptyParents(of: dataPath(key), stoppingAt: root)
            LocalFiles.removeEmptyParents(of: metaPath(key), stoppingAt: metaFolder)
        }
    }

    package func uri(for key: String) -> String { URL(fileURLWithPath: dataPath(key)).absoluteString }

    /// A folder has no URLs of its own: clients go through the API.
    package func presignedURL(method: String, key: String, headers: [(name: String, value: String)], expires: Duration) throws -> String? {
        nil
    }

    // MARK: Internals (run on a dedicated thread)

    /// Writes an object through a temporary file unless an identical one is there already.
    private func store(
        key: String, sha256: String, size: Int64, options: PutOptions, write: (String) throws -> Void
    ) throws -> PutResult {
        if options.skipIfIdentical, let existing = try info(key: key), existing.sha256 == sha256, existing.size == size {
            return PutResult(key: key, outcome: .skippedIdentical, bytes: size, sha256: sha256, partsSent: 0)
        }
        var metadata = Dictionary(uniqueKeysWithValues: options.metadata.map { ($0.key.lowercased(), $0.value) })
        metadata[ObjectKey.sha256MetadataName] = sha256
        let sidecar = Sidecar(
            size: size, contentType: options.contentType ?? ContentType.forPath(key), metadata: metadata)

        let temp = "\(tmpFolder)/\(UUID().uuidString)"
        do {
            try write(temp)
            try LocalFiles.makeDirectories((dataPath(key) as NSString).deletingLastPathComponent)
            try LocalFiles.removeIfPresent(metaPath(key))
            try LocalFiles.rename(temp, to: dataPath(key))
        } catch {
            unlink(temp)
            throw error
        }
        try LocalFiles.makeDirectories((metaPath(key) as NSString).deletingLastPathComponent)
        let metaTemp = "\(tmpFolder)/\(UUID().uuidString).json"
        try LocalFiles.write(try JSONEncoder().encode(sidecar), to: metaTemp)
        try LocalFiles.rename(metaTemp, to: metaPath(key))
        return PutResult(key: key, outcome: .uploaded, bytes: size, sha256: sha256, partsSent: 1)
    }

    private func info(key: String) throws -> ObjectInfo? {
        guard let size = LocalFiles.fileSize(dataPath(key)) else { return nil }
        var sidecar: Sidecar?
        if let data = FileManager.default.contents(atPath: metaPath(key)) {
            sidecar = try? JSONDecoder().decode(Sidecar.self, from: data)
        }
        // A sidecar whose size disagrees with the file describes other content: ignore it.
        if sidecar?.size != size { sidecar = nil }
        return ObjectInfo(
            key: key, size: size, contentType: sidecar?.contentType ?? ContentType.forPath(key),
            metadata: sidecar?.metadata ?? [:])
    }

    private struct Sidecar: Codable {
        var size: Int64
        var contentType: String
        var metadata: [String: String]
    }
}
