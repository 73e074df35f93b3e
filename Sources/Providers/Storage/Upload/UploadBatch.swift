import Basics
import Foundation

/// What happened to one file of a batch upload (`runner upload` prints one per file).
package struct UploadOutcome: Sendable, Codable, Equatable {
    package enum Status: String, Sendable, Codable {
        case uploaded
        /// The destination already held the same SHA-256.
        case skipped
        case failed
    }

    package var source: String
    package var key: String
    package var uri: String
    package var status: Status
    package var bytes: Int64?
    package var sha256: String?
    /// Parts (or whole-file PUTs) sent by this run.
    package var partsSent: Int?
    /// The additional checksum sent (S3), `ALGORITHM:value`, e.g. `CRC32C:9Gq2Zw==-3` for a
    /// multipart upload's composite.
    package var checksum: String?
    /// Why it failed; never contains credentials.
    package var error: String?
}

/// Uploads files and directory trees to an `ObjectStorage`, several files at once.
package enum UploadBatch {
    /// One file to upload and the key it goes to.
    package struct Item: Sendable, Equatable {
        package var source: String
        package var key: String
    }

    /// The files under `paths`: a file goes to `prefix/name`; a directory's files (recursively,
    /// upload-state sidecars and the local store's `.storage` folder left out) go to
    /// `prefix/relative/path`, as `aws s3 cp --recursive` lays them out.
    /// - Throws: `StorageError.fileSystem` for a path that does not exist.
    package static func items(for paths: [String], prefix: String) throws -> [Item] {
        var items: [Item] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw StorageError.fileSystem("no such file or directory: \(path)")
            }
            if !isDirectory.boolValue {
                items.append(Item(source: path, key: ObjectKey.join(prefix, URL(fileURLWithPath: path).lastPathComponent)))
                continue
            }
            let root = URL(fileURLWithPath: path).standardizedFileURL.path
            for relative in try LocalFiles.regularFiles(under: root, skipping: LocalStorage.reservedFolder).sorted()
            where !SidecarUploadStateStore.isSidecar(relative) {
                items.append(Item(source: "\(root)/\(relative)", key: ObjectKey.join(prefix, relative)))
            }
        }
        return items
    }

    /// Uploads `items` with at most `concurrency` files in flight, calling `report` as each one
    /// finishes; one failure does not stop the others.
    ///
    /// For a batch, the destination is listed once under the items' common prefix: a key that
    /// is not there cannot hold the same content, so its HeadObject is spared (one request per
    /// new file instead of two). Keys that exist are still compared by SHA-256 with HeadObject.
    package static func run(
        _ items: [Item], to storage: any ObjectStorage, concurrency: Int,
        report: @escaping @Sendable (UploadOutcome) -> Void = { _ in }
    ) async -> [UploadOutcome] {
        let existing = items.count > 1 ? try? await existingKeys(of: items, in: storage) : nil
        var outcomes: [UploadOutcome] = []
        let work = items.map { (item: $0, mayExist: existing.map { [key = $0.key] in $0.contains(key) } ?? true) }
        await withBoundedFanOut(work, limit: concurrency) { await upload($0.item, to: storage, mayExist: $0.mayExist) } collect: { outcome in
            report(outcome)
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Keys already present under the longest common folder of `items`' keys.
    static func existingKeys(of items: [Item], in storage: any ObjectStorage) async throws -> Set<String> {
        var common = items[0].key.split(separator: "/").dropLast()
        for item in items.dropFirst() {
            let folders = item.key.split(separator: "/").dropLast()
            common = common.prefix(zip(common, folders).prefix { $0 == $1 }.count)
        }
        let prefix = common.isEmpty ? "" : common.joined(separator: "/") + "/"
        return Set(try await storage.list(prefix: prefix).map(\.key))
    }

    private static func upload(_ item: Item, to storage: any ObjectStorage, mayExist: Bool) async -> UploadOutcome {
        var outcome = UploadOutcome(
            source: item.source, key: item.key, uri: storage.uri(for: item.key), status: .failed)
        do {
            let result = try await storage.put(
                file: item.source, key: item.key, options: PutOptions(skipIfIdentical: mayExist))
            outcome.status = result.outcome == .uploaded ? .uploaded : .skipped
            outcome.bytes = result.bytes
            outcome.sha256 = result.sha256
            outcome.partsSent = result.partsSent
            outcome.checksum = result.checksum.map { "\($0.algorithm.rawValue):\($0.value)" }
        } catch {
            outcome.error = "\(error)"
        }
        return outcome
    }
}
